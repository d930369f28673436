/**
 * Vitest browser commands (test.browser.commands in vitest.config.ts) that run in Node next to the
 * browser tests: the AWS Encryption SDK for JavaScript (@aws-crypto/client-node, commitment policy
 * REQUIRE_ENCRYPT_REQUIRE_DECRYPT) with a raw AES-256 keyring, and the README's openssl commands
 * that make and wrap key material for import. Bytes cross as base64 strings.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import type { BrowserCommand } from 'vitest/node';

/** A raw AES keyring: the 32-byte key and the (namespace, name) it is known by. */
export interface EsdkRawAesKey {
  keyBase64: string;
  keyNamespace: string;
  keyName: string;
}

export interface EsdkEncryptRequest {
  key: EsdkRawAesKey;
  plaintextBase64: string;
  suite: '0x0478' | '0x0578';
  frameLength: number;
  encryptionContext: Record<string, string>;
}

export interface EsdkDecryptRequest {
  key: EsdkRawAesKey;
  messageBase64: string;
}

export interface EsdkDecryptResult {
  plaintextBase64: string;
  encryptionContext: Record<string, string>;
  suiteId: number;
  frameLength: number;
}

export interface ReadmeKeyMaterial {
  /** key.bin, as `openssl rand` made it. */
  keyBase64: string;
  /** key.wrapped, as `openssl pkeyutl -encrypt` made it. */
  wrappedBase64: string;
  /** The openssl command lines that ran, as the README shows them. */
  commands: string[];
}

const SUITES = {
  '0x0478': AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
  '0x0578': AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
} as const;

const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/**
 * The SDK's keyring. `utf8Sorting: true` makes its keyring AAD use UTF-8 order like its header
 * (aws/aws-encryption-sdk-javascript#428; docs/FORMAT.md §4.8).
 */
function keyring(key: EsdkRawAesKey): RawAesKeyringNode {
  return new RawAesKeyringNode({
    keyNamespace: key.keyNamespace,
    keyName: key.keyName,
    // A fresh buffer: the keyring zeroes the one it is given.
    unencryptedMasterKey: new Uint8Array(Buffer.from(key.keyBase64, 'base64')),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    utf8Sorting: true,
  });
}

export const esdkEncrypt: BrowserCommand<[EsdkEncryptRequest]> = async (_context, request) => {
  const { result } = await sdk.encrypt(
    keyring(request.key),
    Buffer.from(request.plaintextBase64, 'base64'),
    {
      suiteId: SUITES[request.suite],
      frameLength: request.frameLength,
      encryptionContext: request.encryptionContext,
    },
  );
  return result.toString('base64');
};

export const esdkDecrypt: BrowserCommand<[EsdkDecryptRequest]> = async (
  _context,
  request,
): Promise<EsdkDecryptResult> => {
  const { plaintext, messageHeader } = await sdk.decrypt(
    keyring(request.key),
    Buffer.from(request.messageBase64, 'base64'),
  );
  return {
    plaintextBase64: plaintext.toString('base64'),
    encryptionContext: { ...messageHeader.encryptionContext },
    suiteId: messageHeader.suiteId,
    frameLength: messageHeader.frameLength,
  };
};

/**
 * The `openssl` lines of the README's "Bring your own key" block, in order: the commands a person
 * runs, so the test checks the README itself.
 */
function readmeOpensslCommands(): string[] {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Bring your own key'));
  const block = section?.match(/```sh\n([\s\S]*?)```/)?.[1];
  const commands = (block ?? '').split('\n').filter((line) => line.startsWith('openssl '));
  if (commands.length === 0)
    throw new Error('README.md: no openssl commands under "Bring your own key"');
  return commands;
}

/**
 * Writes the wrapping public key as wrapping-key.der into a fresh directory, runs the README's
 * openssl commands there exactly as written, and returns key.bin and key.wrapped.
 */
export const opensslWrapAsReadme: BrowserCommand<[string]> = async (
  _context,
  wrappingKeyDerBase64,
): Promise<ReadmeKeyMaterial> => {
  const directory = mkdtempSync(join(tmpdir(), 'pkms-byok-'));
  try {
    writeFileSync(join(directory, 'wrapping-key.der'), Buffer.from(wrappingKeyDerBase64, 'base64'));
    const commands = readmeOpensslCommands();
    for (const command of commands)
      execFileSync('sh', ['-c', command], { cwd: directory, stdio: 'pipe' });
    return {
      keyBase64: readFileSync(join(directory, 'key.bin')).toString('base64'),
      wrappedBase64: readFileSync(join(directory, 'key.wrapped')).toString('base64'),
      commands,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
};

declare module 'vitest/browser' {
  interface BrowserCommands {
    esdkEncrypt: (request: EsdkEncryptRequest) => Promise<string>;
    esdkDecrypt: (request: EsdkDecryptRequest) => Promise<EsdkDecryptResult>;
    opensslWrapAsReadme: (wrappingKeyDerBase64: string) => Promise<ReadmeKeyMaterial>;
  }
}
