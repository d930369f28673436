/** MACs: GenerateMac and VerifyMac with HMAC keys. */
import type {
  GenerateMacRequest,
  GenerateMacResponse,
  VerifyMacRequest,
  VerifyMacResponse,
} from '../../api.ts';
import { generateMac as computeMac, verifyMac as checkMac } from '../../crypto/hmac.ts';
import { algorithmLists, MAC_ALGORITHMS } from '../../key-specs.ts';
import { KmsError } from '../../errors.ts';
import { requireListed, requireParameter, requireUsage } from '../key-checks.ts';
import type { OperationGroup } from '../operation.ts';
import type { OperationContext } from '../operation-context.ts';
import { checkBytes, checkEnum } from '../validation.ts';
import { MAX_MESSAGE_BYTES } from './signing.ts';

/** AWS's limit on Mac. */
const MAX_MAC_BYTES = 6144;
/**
 * MAC_ALGORITHMS in the order AWS lists them in its validation message (LocalStack snapshot
 * test_invalid_generate_mac[HMAC_256-INVALID]).
 */
const MAC_ALGORITHMS_AS_AWS_LISTS = [
  'HMAC_SHA_384',
  'HMAC_SHA_256',
  'HMAC_SHA_224',
  'HMAC_SHA_512',
] as const satisfies readonly (typeof MAC_ALGORITHMS)[number][];

// --- GenerateMac and VerifyMac ----------------------------------------------------------------

function checkMacInput(request: GenerateMacRequest) {
  const message = checkBytes('message', request.Message, 1, MAX_MESSAGE_BYTES);
  const algorithm = requireParameter(
    'macAlgorithm',
    checkEnum('macAlgorithm', request.MacAlgorithm, MAC_ALGORITHMS_AS_AWS_LISTS),
  );
  return { message, algorithm };
}

async function resolveMacKey(
  context: OperationContext,
  request: GenerateMacRequest,
  algorithm: (typeof MAC_ALGORITHMS)[number],
  operation: string,
) {
  const key = await context.resolveKey('keyId', request.KeyId, 'use');
  requireUsage(context, key, 'GENERATE_VERIFY_MAC', operation);
  requireListed(key, algorithm, algorithmLists(key.KeySpec, key.KeyUsage)?.MacAlgorithms);
  return { key, cryptoKey: await context.cryptoKey(key, await context.currentVersion(key)) };
}

async function generateMac(
  context: OperationContext,
  request: GenerateMacRequest,
): Promise<GenerateMacResponse> {
  const { message, algorithm } = checkMacInput(request);
  const { key, cryptoKey } = await resolveMacKey(context, request, algorithm, 'GenerateMac');
  return {
    KeyId: context.arn(key.KeyId),
    Mac: await computeMac(cryptoKey, message),
    MacAlgorithm: algorithm,
  };
}

async function verifyMac(
  context: OperationContext,
  request: VerifyMacRequest,
): Promise<VerifyMacResponse> {
  const { message, algorithm } = checkMacInput(request);
  const mac = checkBytes('mac', request.Mac, 1, MAX_MAC_BYTES);
  const { key, cryptoKey } = await resolveMacKey(context, request, algorithm, 'VerifyMac');
  if (!(await checkMac(cryptoKey, message, mac))) {
    throw new KmsError(
      'KMSInvalidMacException',
      `The MAC is not valid for this message under ${context.arn(key.KeyId)} and ${algorithm}.`,
    );
  }
  return { KeyId: context.arn(key.KeyId), MacValid: true, MacAlgorithm: algorithm };
}

export const macOperations = {
  generateMac: {
    eventName: 'GenerateMac',
    mutates: false,
    fields: ['KeyId', 'Message', 'MacAlgorithm'],
    async run(context, request) {
      return { response: await generateMac(context, request) };
    },
  },
  verifyMac: {
    eventName: 'VerifyMac',
    mutates: false,
    fields: ['KeyId', 'Message', 'MacAlgorithm', 'Mac'],
    async run(context, request) {
      return { response: await verifyMac(context, request) };
    },
  },
} satisfies OperationGroup;
