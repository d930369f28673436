/**
 * encryptFile, decryptFile and inspectCiphertext: the AWS Encryption SDK's job done over the
 * vault's keys (docs/FORMAT.md §4). Not in AWS KMS; each is one entry of the operation table,
 * run by the audited call like every other operation.
 *
 * Validate at the door, then stream: the input is read frame by frame and the output written
 * either to the file the caller chose (`Output`, a FileSystemFileHandle: WritableSink, which
 * changes the file only on close) and handed back as that file, with no OutputId; or to the Origin
 * Private File System (createOutputSink), handed back as a disk-backed File with the OutputId
 * that discardFileOutput takes once the caller is done with it.
 */
import type {
  DecryptFileRequest,
  DiscardFileOutputRequest,
  DecryptFileResponse,
  EncryptFileRequest,
  EncryptFileResponse,
  FileProgressCallback,
  InspectCiphertextRequest,
  InspectCiphertextResponse,
  InspectedEncryptedDataKey,
  WrittenToHandle,
} from '../../api.ts';
import { toHex } from '../../encoding.ts';
import { KmsError, validationError } from '../../errors.ts';
import { suiteIdHex } from '../../envelope/algorithm-suites.ts';
import { decryptMessage } from '../../envelope/decrypt-message.ts';
import { checkFrameLength, encryptMessage } from '../../envelope/encrypt-message.ts';
import { inspectMessage } from '../../envelope/inspect-message.ts';
import type { ByteSink } from '../../envelope/byte-sink.ts';
import { createOutputSink, discardOutput, listOutputs } from '../../envelope/opfs-sink.ts';
import { safeOutputName } from '../../envelope/output-name.ts';
import { checkOutputHandle, WritableSink } from '../../envelope/writable-sink.ts';
import type { OperationGroup, Outcome } from '../operation.ts';
import type { OperationContext } from '../operation-context.ts';
import { checkEncryptionContext, checkInput } from '../validation.ts';
import { keyArn } from '../identifiers.ts';
import {
  identifiedKey,
  VaultKeyring,
  type NamedKeyVersion,
  type WrappingTarget,
} from '../vault-keyring.ts';

/** At most this many keys per file: each adds an entry to the header. */
export const MAX_KEYS_PER_FILE = 10;

function checkKeyIds(parameter: string, value: unknown): unknown[] {
  if (value === undefined || value === null)
    throw validationError(parameter, undefined, 'Member must not be null');
  if (!Array.isArray(value))
    throw validationError(parameter, undefined, 'Member must be a list of key ids');
  if (value.length < 1)
    throw validationError(
      parameter,
      undefined,
      'Member must have length greater than or equal to 1',
    );
  if (value.length > MAX_KEYS_PER_FILE) {
    throw validationError(
      parameter,
      undefined,
      `Member must have length less than or equal to ${MAX_KEYS_PER_FILE}`,
    );
  }
  return value;
}

/** `<name>.encrypted`; a Blob without a name is "data". */
function encryptedName(input: Blob): string {
  return safeOutputName(input instanceof File ? input.name : undefined, '.encrypted');
}

/** The name before encryption: `.encrypted` removed, or `.decrypted` added when it is not there. */
function decryptedName(input: Blob): string {
  const name = input instanceof File && input.name ? input.name : 'data.encrypted';
  return /\.encrypted$/i.test(name) && name.length > '.encrypted'.length
    ? safeOutputName(name.slice(0, -'.encrypted'.length))
    : safeOutputName(name, '.decrypted');
}

/** The request's Output, when given: a handle to write to instead of OPFS. */
function checkOutput(value: unknown): FileSystemFileHandle | undefined {
  return value === undefined || value === null ? undefined : checkOutputHandle('output', value);
}

/**
 * Where the output goes: the caller's file, opened for writing (nothing changes there before
 * close), or a new OPFS output sized `expectedSize`, with its id.
 */
async function openSink(
  output: FileSystemFileHandle | undefined,
  fileName: string,
  expectedSize: number,
): Promise<{ sink: ByteSink<File>; outputId?: string }> {
  if (output) return { sink: await WritableSink.open('output', output, expectedSize) };
  const sink = await createOutputSink(fileName, expectedSize);
  return { sink, outputId: sink.outputId };
}

export async function encryptFile(
  context: OperationContext,
  request: EncryptFileRequest,
  onProgress?: FileProgressCallback,
  signal?: AbortSignal,
): Promise<Outcome<EncryptFileResponse | WrittenToHandle<EncryptFileResponse>>> {
  const input = checkInput('input', request.Input);
  const keyIds = checkKeyIds('keyIds', request.KeyIds);
  const encryptionContext = checkEncryptionContext('encryptionContext', request.EncryptionContext);
  const frameLength = checkFrameLength('frameLength', request.FrameLength);
  const output = checkOutput(request.Output);
  const targets: WrappingTarget[] = [];
  for (const [index, keyId] of keyIds.entries()) {
    const key = await context.resolveKey(`keyIds.${index + 1}.member`, keyId, 'use');
    if (key.KeySpec !== 'SYMMETRIC_DEFAULT' || key.KeyUsage !== 'ENCRYPT_DECRYPT') {
      throw new KmsError(
        'InvalidKeyUsageException',
        `${context.arn(key.KeyId)} cannot wrap file data keys: only symmetric ENCRYPT_DECRYPT keys can.`,
      );
    }
    if (!targets.some((target) => target.key.KeyId === key.KeyId)) {
      targets.push({ key, version: await context.currentVersion(key) });
    }
  }
  const keyring = new VaultKeyring({
    store: context.store,
    vaultId: context.vaultId,
    arn: (keyId) => context.arn(keyId),
    touch: (keyId) => context.touch(keyId),
    cryptoKeyOf: (key, version) => context.cryptoKey(key, version),
    targets,
  });
  // The ciphertext is the plaintext plus a header and 32 bytes a frame: reserve the input's size.
  const { sink, outputId } = await openSink(output, encryptedName(input), input.size);
  // A cancel (AbortError) becomes OperationCancelledException in the audited call (toKmsError).
  const encrypted = await encryptMessage({
    input,
    keyring,
    encryptionContext,
    frameLength,
    sink,
    ...(onProgress && { onProgress }),
    ...(signal && { signal }),
  });
  const response: EncryptFileResponse | WrittenToHandle<EncryptFileResponse> = {
    Output: encrypted.result,
    ...(outputId !== undefined && { OutputId: outputId }),
    MessageId: toHex(encrypted.messageId),
    KeyIds: targets.map(({ key }) => context.arn(key.KeyId)),
    KeyMaterialIds: targets.map(({ version }) => version.KeyMaterialId),
    EncryptionContext: encrypted.encryptionContext,
    AlgorithmSuiteId: suiteIdHex(encrypted.suite.id),
    FrameLength: encrypted.frameLength,
    FrameCount: encrypted.frameCount,
    PlaintextLength: encrypted.plaintextLength,
    CiphertextLength: encrypted.ciphertextLength,
  };
  const { Output: _output, ...logged } = response;
  return { response, auditResponse: logged };
}

export async function decryptFile(
  context: OperationContext,
  request: DecryptFileRequest,
  onProgress?: FileProgressCallback,
  signal?: AbortSignal,
): Promise<Outcome<DecryptFileResponse | WrittenToHandle<DecryptFileResponse>>> {
  const input = checkInput('input', request.Input);
  const expectedEncryptionContext = checkEncryptionContext(
    'encryptionContext',
    request.EncryptionContext,
  );
  const output = checkOutput(request.Output);
  const onlyKey =
    request.KeyId === undefined
      ? undefined
      : await context.resolveKey('keyId', request.KeyId, 'read');
  const keyring = new VaultKeyring({
    store: context.store,
    vaultId: context.vaultId,
    arn: (keyId) => context.arn(keyId),
    touch: (keyId) => context.touch(keyId),
    cryptoKeyOf: (key, version) => context.cryptoKey(key, version),
    ...(onlyKey && { onlyKeyId: onlyKey.KeyId }),
  });
  // The plaintext is a little smaller than the ciphertext: reserve the input's size.
  const { sink, outputId } = await openSink(output, decryptedName(input), input.size);
  // A cancel (AbortError) becomes OperationCancelledException in the audited call (toKmsError).
  const decrypted = await decryptMessage({
    input,
    keyring,
    expectedEncryptionContext,
    sink,
    ...(onProgress && { onProgress }),
    ...(signal && { signal }),
  });
  const { key, version } = keyring.used!;
  const response: DecryptFileResponse | WrittenToHandle<DecryptFileResponse> = {
    Output: decrypted.result,
    ...(outputId !== undefined && { OutputId: outputId }),
    KeyId: context.arn(key.KeyId),
    KeyVersion: version.Version,
    KeyMaterialId: version.KeyMaterialId,
    EncryptionContext: decrypted.encryptionContext,
    MessageId: toHex(decrypted.messageId),
    AlgorithmSuiteId: suiteIdHex(decrypted.suite.id),
    FrameLength: decrypted.frameLength,
    PlaintextLength: decrypted.plaintextLength,
  };
  const { Output: _output, ...logged } = response;
  return { response, auditResponse: logged };
}

export async function inspectCiphertext(
  context: OperationContext,
  request: InspectCiphertextRequest,
): Promise<Outcome<InspectCiphertextResponse>> {
  const input = checkInput('input', request.Input);
  const inspected = await inspectMessage(input);
  const entries: InspectedEncryptedDataKey[] = [];
  for (const edk of inspected.encryptedDataKeys) {
    // A `pocket-kms` entry names a key version; another namespace may be an imported key's identity.
    const named =
      edk.keyName === undefined
        ? null
        : await identifiedKey(context.store, edk.providerId, edk.keyName);
    entries.push({
      ProviderId: edk.providerId,
      ...(edk.keyName !== undefined && { KeyName: edk.keyName }),
      ...(named ? await lookUp(context, named) : { HeldByVault: false }),
    });
  }
  const { body } = inspected;
  const response: InspectCiphertextResponse = {
    Length: inspected.length,
    MessageId: inspected.messageId,
    AlgorithmSuiteId: inspected.suiteId,
    AlgorithmSuiteName: inspected.suiteName,
    Signed: inspected.signed,
    EncryptionContext: inspected.encryptionContext,
    EncryptedDataKeys: entries,
    HeaderLength: inspected.headerLength,
    ContentType: body.contentType,
    FrameLength: body.frameLength,
    ...(body.frameCount !== undefined && { FrameCount: body.frameCount }),
    ...(body.regularFrameSize !== undefined && { RegularFrameSize: body.regularFrameSize }),
    ...(body.finalFrameContentLength !== undefined && {
      FinalFrameContentLength: body.finalFrameContentLength,
    }),
    ...(body.plaintextLength !== undefined && { PlaintextLength: body.plaintextLength }),
    ...(body.footerOffset !== undefined && { FooterOffset: body.footerOffset }),
    ...(body.signatureLength !== undefined && { SignatureLength: body.signatureLength }),
    ...(body.problem !== undefined && { Problem: body.problem }),
    Fields: inspected.fields.map((field) => ({
      Name: field.name,
      Offset: field.offset,
      Length: field.length,
      Value: field.value,
    })),
  };
  return {
    response,
    auditResponse: {
      MessageId: response.MessageId,
      AlgorithmSuiteId: response.AlgorithmSuiteId,
      Length: response.Length,
    },
  };
}

/** An output id is the UUID encryptFile or decryptFile returned. */
const OUTPUT_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Removes one output this worker made. A malformed id is a ValidationException; an id this
 * worker does not hold (discarded already, or made by another tab, whose outputs are never
 * touched) is a NotFoundException.
 */
export async function discardFileOutput(
  request: DiscardFileOutputRequest,
): Promise<{ response: Record<string, never> }> {
  const outputId: unknown = request.OutputId;
  if (outputId === undefined || outputId === null)
    throw validationError('outputId', undefined, 'Member must not be null');
  if (typeof outputId !== 'string' || !OUTPUT_ID_PATTERN.test(outputId))
    throw validationError(
      'outputId',
      typeof outputId === 'string' ? outputId.slice(0, 64) : undefined,
      'Member must be an OutputId returned by encryptFile or decryptFile',
    );
  if (!(await discardOutput(outputId)))
    throw new KmsError(
      'NotFoundException',
      `Output '${outputId}' does not exist: it was discarded already, or another open tab made it.`,
    );
  return { response: {} };
}

/** Which vault key and version an entry names, and whether this vault holds them. */
async function lookUp(
  context: OperationContext,
  named: NamedKeyVersion,
): Promise<Omit<InspectedEncryptedDataKey, 'ProviderId' | 'KeyName'>> {
  const key = await context.store.getKey(named.keyId);
  const version = key ? await context.store.getKeyVersion(named.keyId, named.version) : undefined;
  if (key) context.touch(key.KeyId);
  return {
    // The ARN in the vault that made the entry, which may be another (its id is in the name).
    KeyId: keyArn(named.vaultId ?? context.vaultId, named.keyId),
    KeyVersion: named.version,
    HeldByVault: Boolean(key && version),
    ...(key && { KeyState: key.KeyState }),
  };
}

const FILE_FIELDS = ['Input', 'KeyId', 'EncryptionContext', 'Output'] as const;

export const fileOperations = {
  encryptFile: {
    eventName: 'EncryptFile',
    mutates: false,
    fields: ['Input', 'KeyIds', 'EncryptionContext', 'FrameLength', 'Output'],
    run: encryptFile,
  },
  decryptFile: {
    eventName: 'DecryptFile',
    mutates: false,
    fields: FILE_FIELDS,
    run: decryptFile,
  },
  inspectCiphertext: {
    eventName: 'InspectCiphertext',
    mutates: false,
    fields: ['Input'],
    run: inspectCiphertext,
  },
  discardFileOutput: {
    eventName: 'DiscardFileOutput',
    mutates: false,
    fields: ['OutputId'],
    run: (_context, request) => discardFileOutput(request),
  },
  listFileOutputs: {
    eventName: 'ListFileOutputs',
    mutates: false,
    metadataRead: true,
    fields: [],
    async run() {
      const outputs = await listOutputs();
      return {
        response: {
          Outputs: outputs.map((output) => ({
            OutputId: output.outputId,
            Output: output.file,
            CreationDate: output.created,
            FromEarlierVisit: output.earlier,
          })),
        },
        auditResponse: { outputCount: outputs.length },
      };
    },
  },
} satisfies OperationGroup;
