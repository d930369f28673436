/**
 * The audit log (DESIGN §6, FORMAT.md §3; issue 2, acceptance "Every call writes exactly one
 * audit record…"): one CloudTrail-shaped record per call — success or failure — with no
 * plaintext or ciphertext in it, the encryption context logged verbatim, and a hash chain that
 * catches a changed, removed, reordered or cut-off record in the stored log.
 */
import { describe, expect, it } from 'vitest';
import type { AuditEvent, KmsOperation } from '../../workers/api.ts';
import type { KmsErrorName } from '../../workers/errors.ts';
import type { Kms } from '../../workers/kms/kms.ts';
import {
  auditCount,
  auditRecords,
  expectKmsError,
  openRaw,
  openVaultForTest,
  toBase64,
  toHex,
  utf8,
  type TestVault,
} from './support/vault.ts';
import { newKeyMaterial, wrapKeyMaterial } from './support/key-import.ts';

/** Every KmsApi operation and its CloudTrail event name; the type makes the list complete. */
const EVENT_NAMES = {
  createKey: 'CreateKey',
  describeKey: 'DescribeKey',
  listKeys: 'ListKeys',
  listKeyDetails: 'ListKeyDetails',
  updateKeyDescription: 'UpdateKeyDescription',
  enableKey: 'EnableKey',
  disableKey: 'DisableKey',
  scheduleKeyDeletion: 'ScheduleKeyDeletion',
  cancelKeyDeletion: 'CancelKeyDeletion',
  createAlias: 'CreateAlias',
  updateAlias: 'UpdateAlias',
  deleteAlias: 'DeleteAlias',
  listAliases: 'ListAliases',
  tagResource: 'TagResource',
  untagResource: 'UntagResource',
  listResourceTags: 'ListResourceTags',
  enableKeyRotation: 'EnableKeyRotation',
  disableKeyRotation: 'DisableKeyRotation',
  getKeyRotationStatus: 'GetKeyRotationStatus',
  rotateKeyOnDemand: 'RotateKeyOnDemand',
  listKeyRotations: 'ListKeyRotations',
  encrypt: 'Encrypt',
  decrypt: 'Decrypt',
  reEncrypt: 'ReEncrypt',
  generateDataKey: 'GenerateDataKey',
  generateDataKeyWithoutPlaintext: 'GenerateDataKeyWithoutPlaintext',
  generateRandom: 'GenerateRandom',
  encryptFile: 'EncryptFile',
  decryptFile: 'DecryptFile',
  inspectCiphertext: 'InspectCiphertext',
  discardFileOutput: 'DiscardFileOutput',
  listFileOutputs: 'ListFileOutputs',
  getPublicKey: 'GetPublicKey',
  sign: 'Sign',
  verify: 'Verify',
  generateMac: 'GenerateMac',
  verifyMac: 'VerifyMac',
  generateDataKeyPair: 'GenerateDataKeyPair',
  generateDataKeyPairWithoutPlaintext: 'GenerateDataKeyPairWithoutPlaintext',
  deriveSharedSecret: 'DeriveSharedSecret',
  signFile: 'SignFile',
  verifyFile: 'VerifyFile',
  getParametersForImport: 'GetParametersForImport',
  importKeyMaterial: 'ImportKeyMaterial',
  deleteImportedKeyMaterial: 'DeleteImportedKeyMaterial',
  listAuditEvents: 'ListAuditEvents',
  verifyAuditLog: 'VerifyAuditLog',
  exportAuditLog: 'ExportAuditLog',
  setUpRecovery: 'SetUpRecovery',
  describeRecovery: 'DescribeRecovery',
  changeRecoveryPassphrase: 'ChangeRecoveryPassphrase',
  rotateRecoveryKey: 'RotateRecoveryKey',
  exportVaultBackup: 'ExportVaultBackup',
  inspectVaultBackup: 'InspectVaultBackup',
  restoreVaultBackup: 'RestoreVaultBackup',
  setUpVaultLock: 'SetUpVaultLock',
  describeVaultLock: 'DescribeVaultLock',
  unlockVault: 'UnlockVault',
  lockVault: 'LockVault',
  changeVaultLock: 'ChangeVaultLock',
  removeVaultLock: 'RemoveVaultLock',
} as const satisfies Record<KmsOperation, string>;

interface Step {
  operation: KmsOperation;
  run: (kms: Kms) => Promise<unknown>;
  /** The error the call must fail with; absent for a call that must succeed. */
  fails?: KmsErrorName;
}

describe('one record per call', () => {
  it('every operation, succeeding or failing, adds exactly one record naming it and its error', async () => {
    const vault = await openVaultForTest();
    const { kms, vaultName } = vault;
    let keyId = '';
    let otherKeyId = '';
    let blob: Uint8Array = new Uint8Array();
    let signingKeyId = '';
    let macKeyId = '';
    let agreementKeyId = '';
    let signature: Uint8Array = new Uint8Array();
    let mac: Uint8Array = new Uint8Array();
    let peerPublicKey: Uint8Array = new Uint8Array();
    let encryptedFile: File = new File([], 'none');
    let decryptedOutputId = '';
    let signatureFile: File = new File([], 'none');
    let externalKeyId = '';
    let importToken: Uint8Array = new Uint8Array();
    let recoveryKey = '';
    let backup: Blob = new Blob();
    let wrappedMaterial: Uint8Array = new Uint8Array();
    const message = utf8('signed statement');
    const steps: Step[] = [
      {
        operation: 'createKey',
        run: async (k) => {
          keyId = (await k.createKey({ Description: 'audited' })).KeyMetadata.KeyId;
        },
      },
      {
        operation: 'createKey',
        run: async (k) => {
          otherKeyId = (await k.createKey()).KeyMetadata.KeyId;
        },
      },
      {
        operation: 'createKey',
        run: (k) => k.createKey({ KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' }),
        fails: 'UnsupportedOperationException',
      },
      {
        operation: 'createKey',
        run: (k) => k.createKey({ Description: 'x'.repeat(8193) }),
        fails: 'ValidationException',
      },
      { operation: 'describeKey', run: (k) => k.describeKey({ KeyId: keyId }) },
      {
        operation: 'describeKey',
        run: (k) => k.describeKey({ KeyId: crypto.randomUUID() }),
        fails: 'NotFoundException',
      },
      { operation: 'listKeys', run: (k) => k.listKeys() },
      { operation: 'listKeys', run: (k) => k.listKeys({ Limit: 0 }), fails: 'ValidationException' },
      {
        operation: 'listKeys',
        run: (k) => k.listKeys({ Marker: 'bogus' }),
        fails: 'InvalidMarkerException',
      },
      { operation: 'listKeyDetails', run: (k) => k.listKeyDetails({ Limit: 1 }) },
      {
        operation: 'listKeyDetails',
        run: (k) => k.listKeyDetails({ Limit: 1001 }),
        fails: 'ValidationException',
      },
      {
        operation: 'listKeyDetails',
        run: (k) => k.listKeyDetails({ Marker: 'bogus' }),
        fails: 'InvalidMarkerException',
      },
      {
        operation: 'updateKeyDescription',
        run: (k) => k.updateKeyDescription({ KeyId: keyId, Description: 'new' }),
      },
      { operation: 'disableKey', run: (k) => k.disableKey({ KeyId: keyId }) },
      {
        operation: 'encrypt',
        run: (k) => k.encrypt({ KeyId: keyId, Plaintext: utf8('x') }),
        fails: 'DisabledException',
      },
      { operation: 'enableKey', run: (k) => k.enableKey({ KeyId: keyId }) },
      {
        operation: 'createAlias',
        run: (k) => k.createAlias({ AliasName: 'alias/audited', TargetKeyId: keyId }),
      },
      {
        operation: 'createAlias',
        run: (k) => k.createAlias({ AliasName: 'alias/audited', TargetKeyId: keyId }),
        fails: 'AlreadyExistsException',
      },
      {
        operation: 'createAlias',
        run: (k) => k.createAlias({ AliasName: 'alias/bad name', TargetKeyId: keyId }),
        fails: 'InvalidAliasNameException',
      },
      {
        operation: 'updateAlias',
        run: (k) => k.updateAlias({ AliasName: 'alias/audited', TargetKeyId: otherKeyId }),
      },
      {
        operation: 'updateAlias',
        run: (k) => k.updateAlias({ AliasName: 'alias/nothing', TargetKeyId: keyId }),
        fails: 'NotFoundException',
      },
      { operation: 'listAliases', run: (k) => k.listAliases() },
      {
        operation: 'tagResource',
        run: (k) => k.tagResource({ KeyId: keyId, Tags: [{ TagKey: 'team', TagValue: 'a' }] }),
      },
      {
        operation: 'tagResource',
        run: (k) => k.tagResource({ KeyId: keyId, Tags: [{ TagKey: 'aws:x', TagValue: 'a' }] }),
        fails: 'TagException',
      },
      {
        operation: 'untagResource',
        run: (k) => k.untagResource({ KeyId: keyId, TagKeys: ['team'] }),
      },
      { operation: 'listResourceTags', run: (k) => k.listResourceTags({ KeyId: keyId }) },
      { operation: 'enableKeyRotation', run: (k) => k.enableKeyRotation({ KeyId: keyId }) },
      {
        operation: 'enableKeyRotation',
        run: (k) => k.enableKeyRotation({ KeyId: keyId, RotationPeriodInDays: 89 }),
        fails: 'ValidationException',
      },
      { operation: 'getKeyRotationStatus', run: (k) => k.getKeyRotationStatus({ KeyId: keyId }) },
      { operation: 'disableKeyRotation', run: (k) => k.disableKeyRotation({ KeyId: keyId }) },
      { operation: 'rotateKeyOnDemand', run: (k) => k.rotateKeyOnDemand({ KeyId: keyId }) },
      { operation: 'listKeyRotations', run: (k) => k.listKeyRotations({ KeyId: keyId }) },
      {
        operation: 'encrypt',
        run: async (k) => {
          blob = (await k.encrypt({ KeyId: keyId, Plaintext: utf8('x') })).CiphertextBlob;
        },
      },
      {
        operation: 'encrypt',
        run: (k) => k.encrypt({ KeyId: keyId, Plaintext: new Uint8Array(0) }),
        fails: 'ValidationException',
      },
      { operation: 'decrypt', run: (k) => k.decrypt({ CiphertextBlob: blob }) },
      {
        operation: 'decrypt',
        run: (k) => k.decrypt({ CiphertextBlob: blob, EncryptionContext: { a: 'b' } }),
        fails: 'InvalidCiphertextException',
      },
      {
        operation: 'decrypt',
        run: (k) => k.decrypt({ CiphertextBlob: blob, KeyId: otherKeyId }),
        fails: 'IncorrectKeyException',
      },
      {
        operation: 'reEncrypt',
        run: (k) => k.reEncrypt({ CiphertextBlob: blob, DestinationKeyId: otherKeyId }),
      },
      {
        operation: 'reEncrypt',
        run: (k) => k.reEncrypt({ CiphertextBlob: blob.slice(1), DestinationKeyId: otherKeyId }),
        fails: 'InvalidCiphertextException',
      },
      {
        operation: 'generateDataKey',
        run: (k) => k.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' }),
      },
      {
        operation: 'generateDataKey',
        run: (k) => k.generateDataKey({ KeyId: keyId }),
        fails: 'ValidationException',
      },
      {
        operation: 'generateDataKeyWithoutPlaintext',
        run: (k) => k.generateDataKeyWithoutPlaintext({ KeyId: keyId, NumberOfBytes: 16 }),
      },
      { operation: 'generateRandom', run: (k) => k.generateRandom({ NumberOfBytes: 8 }) },
      {
        operation: 'generateRandom',
        run: (k) => k.generateRandom({ NumberOfBytes: 1025 }),
        fails: 'ValidationException',
      },
      {
        operation: 'encryptFile',
        run: async (k) => {
          const input = new File([utf8('file body')], 'note.txt');
          encryptedFile = (await k.encryptFile({ Input: input, KeyIds: [keyId] })).Output;
        },
      },
      {
        operation: 'encryptFile',
        run: (k) => k.encryptFile({ Input: new Blob(['x']), KeyIds: [] }),
        fails: 'ValidationException',
      },
      {
        operation: 'decryptFile',
        run: async (k) => {
          decryptedOutputId = (await k.decryptFile({ Input: encryptedFile })).OutputId;
        },
      },
      {
        operation: 'discardFileOutput',
        run: (k) => k.discardFileOutput({ OutputId: decryptedOutputId }),
      },
      {
        operation: 'discardFileOutput',
        run: (k) => k.discardFileOutput({ OutputId: decryptedOutputId }),
        fails: 'NotFoundException',
      },
      {
        operation: 'decryptFile',
        run: (k) => k.decryptFile({ Input: encryptedFile, EncryptionContext: { a: 'b' } }),
        fails: 'InvalidCiphertextException',
      },
      { operation: 'inspectCiphertext', run: (k) => k.inspectCiphertext({ Input: encryptedFile }) },
      {
        operation: 'inspectCiphertext',
        run: (k) => k.inspectCiphertext({ Input: new Blob(['not a message']) }),
        fails: 'InvalidCiphertextException',
      },
      {
        operation: 'createKey',
        run: async (k) => {
          const created = await k.createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
          signingKeyId = created.KeyMetadata.KeyId;
        },
      },
      {
        operation: 'getPublicKey',
        run: async (k) => {
          peerPublicKey = (await k.getPublicKey({ KeyId: signingKeyId })).PublicKey;
        },
      },
      {
        operation: 'getPublicKey',
        run: (k) => k.getPublicKey({ KeyId: otherKeyId }),
        fails: 'UnsupportedOperationException',
      },
      {
        operation: 'sign',
        run: async (k) => {
          const signed = await k.sign({
            KeyId: signingKeyId,
            Message: message,
            SigningAlgorithm: 'ECDSA_SHA_256',
          });
          signature = signed.Signature;
        },
      },
      {
        operation: 'sign',
        run: (k) =>
          k.sign({ KeyId: otherKeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }),
        fails: 'InvalidKeyUsageException',
      },
      {
        operation: 'verify',
        run: (k) =>
          k.verify({
            KeyId: signingKeyId,
            Message: message,
            Signature: signature,
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
      },
      {
        operation: 'verify',
        run: (k) =>
          k.verify({
            KeyId: signingKeyId,
            Message: utf8('other'),
            Signature: signature,
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        fails: 'KMSInvalidSignatureException',
      },
      {
        operation: 'createKey',
        run: async (k) => {
          const created = await k.createKey({
            KeySpec: 'HMAC_256',
            KeyUsage: 'GENERATE_VERIFY_MAC',
          });
          macKeyId = created.KeyMetadata.KeyId;
        },
      },
      {
        operation: 'generateMac',
        run: async (k) => {
          mac = (
            await k.generateMac({ KeyId: macKeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' })
          ).Mac;
        },
      },
      {
        operation: 'generateMac',
        run: (k) =>
          k.generateMac({ KeyId: macKeyId, Message: message, MacAlgorithm: 'HMAC_SHA_512' }),
        fails: 'InvalidKeyUsageException',
      },
      {
        operation: 'verifyMac',
        run: (k) =>
          k.verifyMac({
            KeyId: macKeyId,
            Message: message,
            Mac: mac,
            MacAlgorithm: 'HMAC_SHA_256',
          }),
      },
      {
        operation: 'verifyMac',
        run: (k) =>
          k.verifyMac({
            KeyId: macKeyId,
            Message: utf8('other'),
            Mac: mac,
            MacAlgorithm: 'HMAC_SHA_256',
          }),
        fails: 'KMSInvalidMacException',
      },
      {
        operation: 'generateDataKeyPair',
        run: (k) => k.generateDataKeyPair({ KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256' }),
      },
      {
        operation: 'generateDataKeyPair',
        run: (k) => k.generateDataKeyPair({ KeyId: keyId, KeyPairSpec: 'ECC_NIST_P123' }),
        fails: 'ValidationException',
      },
      {
        operation: 'generateDataKeyPairWithoutPlaintext',
        run: (k) =>
          k.generateDataKeyPairWithoutPlaintext({
            KeyId: keyId,
            KeyPairSpec: 'ECC_NIST_EDWARDS25519',
          }),
      },
      {
        operation: 'createKey',
        run: async (k) => {
          const created = await k.createKey({
            KeySpec: 'ECC_NIST_P256',
            KeyUsage: 'KEY_AGREEMENT',
          });
          agreementKeyId = created.KeyMetadata.KeyId;
        },
      },
      {
        operation: 'deriveSharedSecret',
        run: (k) =>
          k.deriveSharedSecret({
            KeyId: agreementKeyId,
            KeyAgreementAlgorithm: 'ECDH',
            PublicKey: peerPublicKey,
          }),
      },
      {
        operation: 'deriveSharedSecret',
        run: (k) =>
          k.deriveSharedSecret({
            KeyId: signingKeyId,
            KeyAgreementAlgorithm: 'ECDH',
            PublicKey: new Uint8Array(91),
          }),
        fails: 'InvalidKeyUsageException',
      },
      {
        operation: 'signFile',
        run: async (k) => {
          const input = new File([utf8('file body')], 'note.txt');
          signatureFile = (
            await k.signFile({
              Input: input,
              KeyId: signingKeyId,
              SigningAlgorithm: 'ECDSA_SHA_256',
            })
          ).SignatureFile;
        },
      },
      {
        operation: 'signFile',
        run: (k) =>
          k.signFile({ Input: new Blob(['x']), KeyId: keyId, SigningAlgorithm: 'ECDSA_SHA_256' }),
        fails: 'InvalidKeyUsageException',
      },
      {
        operation: 'verifyFile',
        run: (k) =>
          k.verifyFile({
            Input: new File([utf8('file body')], 'note.txt'),
            SignatureFile: signatureFile,
            PublicKey: peerPublicKey,
          }),
      },
      {
        operation: 'verifyFile',
        run: (k) =>
          k.verifyFile({
            Input: new File([utf8('file bodY')], 'note.txt'),
            SignatureFile: signatureFile,
            KeyId: signingKeyId,
          }),
        fails: 'KMSInvalidSignatureException',
      },
      {
        operation: 'createKey',
        run: async (k) => {
          externalKeyId = (await k.createKey({ Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
        },
      },
      {
        operation: 'getParametersForImport',
        run: async (k) => {
          const parameters = await k.getParametersForImport({
            KeyId: externalKeyId,
            WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
            WrappingKeySpec: 'RSA_2048',
          });
          importToken = parameters.ImportToken;
          wrappedMaterial = await wrapKeyMaterial(parameters.PublicKey, newKeyMaterial());
        },
      },
      {
        operation: 'getParametersForImport',
        run: (k) =>
          k.getParametersForImport({
            KeyId: keyId,
            WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
            WrappingKeySpec: 'RSA_2048',
          }),
        fails: 'UnsupportedOperationException',
      },
      {
        operation: 'importKeyMaterial',
        run: (k) =>
          k.importKeyMaterial({
            KeyId: externalKeyId,
            ImportToken: importToken,
            EncryptedKeyMaterial: wrappedMaterial,
            ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
          }),
      },
      {
        operation: 'importKeyMaterial',
        run: (k) =>
          k.importKeyMaterial({
            KeyId: externalKeyId,
            ImportToken: importToken,
            EncryptedKeyMaterial: wrappedMaterial,
            ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
          }),
        fails: 'InvalidImportTokenException',
      },
      {
        operation: 'deleteImportedKeyMaterial',
        run: (k) => k.deleteImportedKeyMaterial({ KeyId: externalKeyId }),
      },
      {
        operation: 'deleteImportedKeyMaterial',
        run: (k) => k.deleteImportedKeyMaterial({ KeyId: keyId }),
        fails: 'UnsupportedOperationException',
      },
      { operation: 'listFileOutputs', run: (k) => k.listFileOutputs() },
      { operation: 'describeRecovery', run: (k) => k.describeRecovery() },
      {
        operation: 'exportVaultBackup',
        run: (k) => k.exportVaultBackup(),
        fails: 'KMSInvalidStateException',
      },
      {
        operation: 'setUpRecovery',
        run: (k) => k.setUpRecovery({ Passphrase: 'too short' }),
        fails: 'ValidationException',
      },
      {
        operation: 'setUpRecovery',
        run: async (k) => {
          recoveryKey = (
            await k.setUpRecovery({
              Passphrase: 'first recovery phrase',
              GenerateRecoveryKey: true,
            })
          ).RecoveryKey!;
        },
      },
      {
        operation: 'changeRecoveryPassphrase',
        run: (k) =>
          k.changeRecoveryPassphrase({
            Passphrase: 'not the recovery phrase',
            NewPassphrase: 'second recovery phrase',
          }),
        fails: 'IncorrectKeyException',
      },
      {
        operation: 'changeRecoveryPassphrase',
        run: (k) =>
          k.changeRecoveryPassphrase({
            RecoveryKey: recoveryKey,
            NewPassphrase: 'second recovery phrase',
          }),
      },
      {
        operation: 'rotateRecoveryKey',
        run: (k) => k.rotateRecoveryKey({ Passphrase: 'second recovery phrase' }),
        fails: 'ValidationException',
      },
      {
        operation: 'rotateRecoveryKey',
        run: async (k) => {
          recoveryKey = (
            await k.rotateRecoveryKey({
              Passphrase: 'second recovery phrase',
              GenerateRecoveryKey: true,
            })
          ).RecoveryKey!;
        },
      },
      {
        operation: 'exportVaultBackup',
        run: async (k) => {
          backup = (await k.exportVaultBackup()).Backup;
        },
      },
      {
        operation: 'inspectVaultBackup',
        run: (k) => k.inspectVaultBackup({ Backup: backup, RecoveryKey: recoveryKey }),
      },
      {
        operation: 'inspectVaultBackup',
        run: (k) => k.inspectVaultBackup({ Backup: new Blob(['x']), RecoveryKey: recoveryKey }),
        fails: 'InvalidCiphertextException',
      },
      {
        operation: 'restoreVaultBackup',
        run: (k) => k.restoreVaultBackup({ Backup: backup, RecoveryKey: recoveryKey }),
      },
      {
        operation: 'restoreVaultBackup',
        run: (k) => k.restoreVaultBackup({ Backup: backup }),
        fails: 'ValidationException',
      },
      { operation: 'describeVaultLock', run: (k) => k.describeVaultLock() },
      {
        operation: 'lockVault',
        run: (k) => k.lockVault(),
        fails: 'KMSInvalidStateException',
      },
      {
        operation: 'setUpVaultLock',
        run: (k) => k.setUpVaultLock({ Passphrase: 'a lock passphrase of words' }),
      },
      { operation: 'lockVault', run: (k) => k.lockVault() },
      {
        operation: 'unlockVault',
        run: (k) => k.unlockVault({ Passphrase: 'not the lock passphrase' }),
        fails: 'IncorrectKeyException',
      },
      {
        operation: 'unlockVault',
        run: (k) => k.unlockVault({ Passphrase: 'a lock passphrase of words' }),
      },
      {
        operation: 'changeVaultLock',
        run: (k) => k.changeVaultLock({ Passphrase: 'a lock passphrase of words', IdleMinutes: 5 }),
      },
      {
        operation: 'removeVaultLock',
        run: (k) => k.removeVaultLock({}),
        fails: 'ValidationException',
      },
      {
        operation: 'removeVaultLock',
        run: (k) => k.removeVaultLock({ Passphrase: 'a lock passphrase of words' }),
      },
      { operation: 'listAuditEvents', run: (k) => k.listAuditEvents({ Limit: 5 }) },
      {
        operation: 'listAuditEvents',
        run: (k) => k.listAuditEvents({ Marker: btoa('nope') }),
        fails: 'InvalidMarkerException',
      },
      { operation: 'verifyAuditLog', run: (k) => k.verifyAuditLog() },
      { operation: 'exportAuditLog', run: (k) => k.exportAuditLog() },
      { operation: 'deleteAlias', run: (k) => k.deleteAlias({ AliasName: 'alias/audited' }) },
      {
        operation: 'deleteAlias',
        run: (k) => k.deleteAlias({ AliasName: 'alias/audited' }),
        fails: 'NotFoundException',
      },
      {
        operation: 'scheduleKeyDeletion',
        run: (k) => k.scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 6 }),
        fails: 'ValidationException',
      },
      { operation: 'scheduleKeyDeletion', run: (k) => k.scheduleKeyDeletion({ KeyId: keyId }) },
      {
        operation: 'encrypt',
        run: (k) => k.encrypt({ KeyId: keyId, Plaintext: utf8('x') }),
        fails: 'KMSInvalidStateException',
      },
      { operation: 'cancelKeyDeletion', run: (k) => k.cancelKeyDeletion({ KeyId: keyId }) },
      {
        operation: 'cancelKeyDeletion',
        run: (k) => k.cancelKeyDeletion({ KeyId: keyId }),
        fails: 'KMSInvalidStateException',
      },
    ];

    for (const [index, step] of steps.entries()) {
      const label = `step ${index + 1}: ${step.operation}${step.fails ? ` → ${step.fails}` : ''}`;
      const before = await auditCount(vaultName);
      if (step.fails) await expectKmsError(step.run(kms), step.fails);
      else await step.run(kms);
      expect(await auditCount(vaultName), label).toBe(before + 1);
      const last = (await auditRecords(vaultName)).at(-1)!;
      expect(last.sequence, label).toBe(before + 1);
      expect(last.eventName, label).toBe(EVENT_NAMES[step.operation]);
      expect(last.errorCode, label).toBe(step.fails);
      expect(last.errorMessage === undefined, label).toBe(step.fails === undefined);
    }

    const exercised = new Set(steps.map((step) => step.operation));
    expect([...exercised].sort()).toEqual(Object.keys(EVENT_NAMES).sort());
    expect(steps.filter((step) => step.fails).length).toBeGreaterThanOrEqual(20);
    expect((await kms.verifyAuditLog()).Valid).toBe(true);
  }, 120_000);

  it('housekeeping with nothing due writes no record', async () => {
    const vault = await openVaultForTest();
    await vault.kms.createKey();
    const before = await auditCount(vault.vaultName);
    expect(await vault.kms.runHousekeeping()).toBe(0);
    expect(await auditCount(vault.vaultName)).toBe(before);
  });
});

describe('record contents', () => {
  it('has the CloudTrail fields, the clock time, the key as resource, and the error on failures', async () => {
    const vault = await openVaultForTest();
    const { kms, clock, vaultName } = vault;
    clock.advanceMs(1234);
    const { KeyMetadata } = await kms.createKey({ Description: 'fields' });
    await expectKmsError(
      kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array(4097) }),
      'ValidationException',
    );
    await kms.disableKey({ KeyId: KeyMetadata.Arn });
    const [created, refused, disabled] = await auditRecords(vaultName);

    const common = {
      eventVersion: '1.08',
      eventSource: 'kms.pkms.local',
      awsRegion: 'local',
      eventType: 'AwsApiCall',
      eventCategory: 'Management',
      recipientAccountId: kms.vaultId,
      userAgent: 'vitest-browser',
      sourceIPAddress: '127.0.0.1',
      userIdentity: { type: 'Local', principalId: kms.vaultId, invokedBy: 'pocket-kms' },
      eventTime: clock.now().toISOString(),
    };
    expect(created).toMatchObject({
      ...common,
      eventName: 'CreateKey',
      readOnly: false,
      managementEvent: true,
      requestParameters: { description: 'fields' },
      responseElements: {
        keyMetadata: { keyId: KeyMetadata.KeyId, arn: KeyMetadata.Arn, keyState: 'Enabled' },
      },
    });
    expect(refused).toMatchObject({
      ...common,
      eventName: 'Encrypt',
      readOnly: true,
      requestParameters: { keyId: KeyMetadata.KeyId, plaintext: { byteLength: 4097 } },
      responseElements: null,
      errorCode: 'ValidationException',
    });
    expect(refused!.errorMessage).toContain('plaintext');
    expect(disabled).toMatchObject({
      ...common,
      eventName: 'DisableKey',
      requestParameters: { keyId: KeyMetadata.Arn },
      resources: [{ accountId: kms.vaultId, type: 'AWS::KMS::Key', ARN: KeyMetadata.Arn }],
    });
    for (const record of [created, refused, disabled]) {
      expect(record!.eventID).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(record!.requestID).toMatch(/^[0-9a-f-]{36}$/);
      expect(record!.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set([created, refused, disabled].map((record) => record!.eventID)).size).toBe(3);
  });

  it('never holds plaintext, data-key or ciphertext bytes (hex, base64 or JSON) — only their sizes', async () => {
    const vault = await openVaultForTest();
    const { kms, vaultName } = vault;
    const { KeyMetadata } = await kms.createKey();
    const other = (await kms.createKey()).KeyMetadata;
    const secret = crypto.getRandomValues(new Uint8Array(48));
    const words = utf8('TOP-SECRET-PASSPHRASE-correct-horse-battery');

    const sensitive: Uint8Array[] = [secret, words];
    const encrypted = await kms.encrypt({
      KeyId: KeyMetadata.KeyId,
      Plaintext: secret,
      EncryptionContext: { case: 'bytes' },
    });
    const encryptedWords = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: words });
    sensitive.push(encrypted.CiphertextBlob, encryptedWords.CiphertextBlob);
    await kms.decrypt({
      CiphertextBlob: encrypted.CiphertextBlob,
      EncryptionContext: { case: 'bytes' },
    });
    await kms.decrypt({ CiphertextBlob: encryptedWords.CiphertextBlob });
    const reEncrypted = await kms.reEncrypt({
      CiphertextBlob: encrypted.CiphertextBlob,
      SourceEncryptionContext: { case: 'bytes' },
      DestinationKeyId: other.KeyId,
    });
    sensitive.push(reEncrypted.CiphertextBlob);
    const dataKey = await kms.generateDataKey({ KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' });
    sensitive.push(dataKey.Plaintext, dataKey.CiphertextBlob);
    const dataKeyBlobOnly = await kms.generateDataKeyWithoutPlaintext({
      KeyId: KeyMetadata.KeyId,
      NumberOfBytes: 64,
    });
    sensitive.push(dataKeyBlobOnly.CiphertextBlob);
    const random = await kms.generateRandom({ NumberOfBytes: 64 });
    sensitive.push(random.Plaintext);
    await kms.decrypt({ CiphertextBlob: dataKey.CiphertextBlob });
    await expectKmsError(
      kms.decrypt({ CiphertextBlob: encrypted.CiphertextBlob }),
      'InvalidCiphertextException',
    );
    await expectKmsError(
      kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array(5000).fill(0x41) }),
      'ValidationException',
    );

    const stored = JSON.stringify(await auditRecords(vaultName));
    const exported = await (await kms.exportAuditLog()).Output.text();
    // The export as written (indented) and compacted, so a byte list split over lines is caught too.
    for (const text of [stored, exported, JSON.stringify(JSON.parse(exported))]) {
      for (const bytes of sensitive) {
        const forms = [
          toHex(bytes),
          toHex(bytes).toUpperCase(),
          toBase64(bytes),
          toBase64(bytes).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, ''),
          JSON.stringify(Array.from(bytes)).slice(1, -1),
          // A middle slice, in case a prefix or suffix were trimmed.
          toHex(bytes.subarray(4, 20)),
          toBase64(bytes.subarray(3, 27)),
        ];
        for (const form of forms)
          expect(text.includes(form), `found ${form.slice(0, 20)}…`).toBe(false);
      }
      expect(text).not.toContain('TOP-SECRET');
      // Typed arrays that slipped through would stringify as {"0":…,"1":…}.
      expect(text).not.toMatch(/"0":\d/);
    }
    expect(stored).toContain('"plaintext":{"byteLength":48}');
    expect(stored).toContain(`"ciphertextBlob":{"byteLength":${encrypted.CiphertextBlob.length}}`);
    expect(stored).toContain('"plaintext":{"byteLength":5000}');
  });

  it('logs the encryption context exactly as given (keys keep their case and characters)', async () => {
    const vault = await openVaultForTest();
    const { kms, vaultName } = vault;
    const { KeyMetadata } = await kms.createKey();
    const context = { Department: 'Finance', 'Project-X': 'é 😀', lower: '' };
    const destination = { Purpose: 'Archive' };
    const { CiphertextBlob } = await kms.encrypt({
      KeyId: KeyMetadata.KeyId,
      Plaintext: utf8('ctx'),
      EncryptionContext: context,
    });
    await kms.decrypt({ CiphertextBlob, EncryptionContext: context });
    await kms.reEncrypt({
      CiphertextBlob,
      SourceEncryptionContext: context,
      DestinationKeyId: KeyMetadata.KeyId,
      DestinationEncryptionContext: destination,
    });
    await expectKmsError(
      kms.decrypt({ CiphertextBlob, EncryptionContext: { Department: 'HR' } }),
      'InvalidCiphertextException',
    );
    const records = await auditRecords(vaultName);
    const byName = (name: string) => records.filter((record) => record.eventName === name);
    expect(byName('Encrypt')[0]!.requestParameters!.encryptionContext).toEqual(context);
    expect(byName('Decrypt')[0]!.requestParameters!.encryptionContext).toEqual(context);
    expect(byName('Decrypt')[1]!.requestParameters!.encryptionContext).toEqual({
      Department: 'HR',
    });
    expect(byName('ReEncrypt')[0]!.requestParameters).toMatchObject({
      sourceEncryptionContext: context,
      destinationEncryptionContext: destination,
    });
  });
});

describe('listAuditEvents', () => {
  it('pages newest first with NextMarker, each record once, and filters by name, key, errors and time', async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    const first = (await kms.createKey()).KeyMetadata;
    clock.advanceDays(1);
    const second = (await kms.createKey()).KeyMetadata;
    for (let i = 0; i < 4; i++) await kms.encrypt({ KeyId: first.KeyId, Plaintext: utf8(`${i}`) });
    await expectKmsError(
      kms.encrypt({ KeyId: second.KeyId, Plaintext: new Uint8Array(0) }),
      'ValidationException',
    );
    await kms.encrypt({ KeyId: second.KeyId, Plaintext: utf8('s') });
    // 8 records so far: 2 CreateKey, 5 Encrypt (one failed), 1 Encrypt on second.

    const seen: AuditEvent[] = [];
    let marker: string | undefined;
    do {
      const page = await kms.listAuditEvents({ Limit: 3, ...(marker && { Marker: marker }) });
      seen.push(...page.Events);
      marker = page.NextMarker;
      expect(page.Truncated).toBe(marker !== undefined);
    } while (marker);
    // Paging walks down from the newest record at the first call (page calls are logged too, above
    // it): every sequence once, newest first, down to 1.
    const sequences = seen.map((event) => event.sequence);
    expect(new Set(sequences).size).toBe(sequences.length);
    expect(sequences).toEqual([...sequences].sort((a, b) => b - a));
    expect(sequences.at(-1)).toBe(1);

    const creates = await kms.listAuditEvents({ EventName: 'CreateKey' });
    expect(creates.Events).toHaveLength(2);
    const errors = await kms.listAuditEvents({ ErrorsOnly: true });
    expect(errors.Events.map((event) => event.errorCode)).toEqual(['ValidationException']);
    const secondKey = await kms.listAuditEvents({ KeyId: second.Arn, EventName: 'Encrypt' });
    expect(secondKey.Events).toHaveLength(1);
    const early = await kms.listAuditEvents({
      EndTime: new Date(clock.now().getTime() - 1),
      EventName: 'CreateKey',
    });
    expect(early.Events.map((event) => event.responseElements?.['keyMetadata'])).toEqual([
      expect.objectContaining({ keyId: first.KeyId }),
    ]);
  });
});

describe('the two ways to hash a record', () => {
  it("hashRecords (crypto.subtle, a walk's batches) answers what hashRecord (noble, each new record) does", async () => {
    const { hashRecord, hashRecords } = await import('../../workers/audit/audit-record.ts');
    const { kms, vaultName } = await openVaultForTest();
    const { KeyMetadata } = await kms.createKey({ Description: 'é 😀 "quoted"' });
    await kms.encrypt({
      KeyId: KeyMetadata.KeyId,
      Plaintext: utf8('x'),
      EncryptionContext: { Ａ: 'café ☕', lines: 'a\nb' },
    });
    await expectKmsError(kms.describeKey({ KeyId: 'alias/none' }), 'NotFoundException');
    const bodies = (await auditRecords(vaultName)).map(({ hash: _hash, ...body }) => body);
    // And shapes no call makes: every JSON kind, keys out of order, an undefined to leave out.
    const odd = {
      ...bodies[0]!,
      requestParameters: { z: [1, null, true, { b: 2.5, a: -0 }], a: undefined, ǅ: '\ud800 lone' },
    } as (typeof bodies)[number];
    const all = [...bodies, odd];
    expect(await hashRecords(all)).toEqual(all.map((body) => hashRecord(body)));
    expect(await hashRecords([])).toEqual([]);
  });
});

describe('tampering with the stored log', () => {
  async function vaultWithHistory(): Promise<TestVault> {
    const vault = await openVaultForTest();
    const { KeyMetadata } = await vault.kms.createKey();
    for (let i = 0; i < 5; i++)
      await vault.kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8(`${i}`) });
    await vault.kms.listKeys();
    expect(await auditCount(vault.vaultName)).toBe(7);
    return vault;
  }

  async function editAudit(
    vaultName: string,
    edit: (records: AuditEvent[]) => { put?: AuditEvent[]; remove?: number[] },
  ) {
    const db = await openRaw(vaultName);
    try {
      const records = (await db.getAll('audit')) as AuditEvent[];
      const { put = [], remove = [] } = edit(records);
      const tx = db.transaction('audit', 'readwrite');
      for (const sequence of remove) await tx.store.delete(sequence);
      for (const record of put) await tx.store.put(record);
      await tx.done;
    } finally {
      db.close();
    }
  }

  it('leaves an untouched log Valid, with its record count', async () => {
    const { kms } = await vaultWithHistory();
    expect(await kms.verifyAuditLog()).toEqual({ Valid: true, RecordCount: 7 });
    // The VerifyAuditLog call was itself logged, and the chain still holds.
    expect(await kms.verifyAuditLog()).toEqual({ Valid: true, RecordCount: 8 });
  });

  it('detects a changed record: Valid false at its sequence', async () => {
    const { kms, vaultName } = await vaultWithHistory();
    await editAudit(vaultName, (records) => ({ put: [{ ...records[3]!, errorCode: 'Hidden' }] }));
    expect(await kms.verifyAuditLog()).toMatchObject({ Valid: false, FirstInvalidSequence: 4 });
  });

  it('detects a changed record whose hash was recomputed: the next record no longer links', async () => {
    const { kms, vaultName } = await vaultWithHistory();
    const { hashRecord } = await import('../../workers/audit/audit-record.ts');
    await editAudit(vaultName, (records) => {
      const { hash: _hash, ...body } = { ...records[2]!, eventName: 'Decrypt' };
      return { put: [{ ...body, hash: hashRecord(body) }] };
    });
    expect(await kms.verifyAuditLog()).toMatchObject({ Valid: false, FirstInvalidSequence: 4 });
  });

  it('detects a removed record: Valid false at the missing sequence', async () => {
    const { kms, vaultName } = await vaultWithHistory();
    await editAudit(vaultName, () => ({ remove: [5] }));
    expect(await kms.verifyAuditLog()).toMatchObject({ Valid: false, FirstInvalidSequence: 5 });
  });

  it('detects two records reordered (their places swapped): Valid false at the first of them', async () => {
    const { kms, vaultName } = await vaultWithHistory();
    await editAudit(vaultName, (records) => ({
      put: [
        { ...records[2]!, sequence: 4 },
        { ...records[3]!, sequence: 3 },
      ],
    }));
    expect(await kms.verifyAuditLog()).toMatchObject({ Valid: false, FirstInvalidSequence: 3 });
  });

  it('detects the newest records cut off: Valid false after the last one kept', async () => {
    const { kms, vaultName } = await vaultWithHistory();
    await editAudit(vaultName, () => ({ remove: [6, 7] }));
    expect(await kms.verifyAuditLog()).toMatchObject({
      Valid: false,
      RecordCount: 5,
      FirstInvalidSequence: 6,
    });
  });
});

describe('verifying while other calls write', () => {
  it('reports Valid for an untouched log even when calls commit while it reads', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { KeyMetadata } = await kms.createKey();
    // Start the calls, then verify 0–5 ms later, so commits land at every point of the check.
    for (let round = 0; round < 12; round++) {
      const encrypts = Array.from({ length: 6 }, (_, i) =>
        kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8(`${round}.${i}`) }),
      );
      await new Promise((resolve) => setTimeout(resolve, round % 6));
      const check = await kms.verifyAuditLog();
      await Promise.all(encrypts);
      expect(check, `round ${round}`).toMatchObject({ Valid: true });
    }
    expect(await kms.verifyAuditLog()).toEqual({ Valid: true, RecordCount: 1 + 12 * 7 });
  }, 120_000);
});
