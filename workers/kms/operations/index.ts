/**
 * The operation table: every operation of the API (workers/api.ts, KMS_OPERATIONS), each in
 * exactly one module of this folder, named after its group. To find an operation, find its group;
 * to add one, add it to its group's table and to the API.
 */
import type { OperationTable } from '../operation.ts';
import { aliasOperations } from './aliases.ts';
import { auditOperations } from './audit.ts';
import { dataKeyPairOperations } from './data-key-pairs.ts';
import { encryptionOperations } from './encryption.ts';
import { fileSigningOperations } from './file-signing.ts';
import { fileOperations } from './files.ts';
import { importOperations } from './import.ts';
import { keyAgreementOperations } from './key-agreement.ts';
import { keyOperations } from './keys.ts';
import { macOperations } from './mac.ts';
import { recoveryOperations } from './recovery.ts';
import { rotationOperations } from './rotation.ts';
import { signingOperations } from './signing.ts';
import { tagOperations } from './tags.ts';
import { vaultLockOperations } from './vault-lock.ts';

/** The groups, in the order docs/API.md presents them. */
export const OPERATION_GROUPS = {
  keys: keyOperations,
  aliases: aliasOperations,
  tags: tagOperations,
  rotation: rotationOperations,
  encryption: encryptionOperations,
  files: fileOperations,
  signing: signingOperations,
  mac: macOperations,
  keyAgreement: keyAgreementOperations,
  dataKeyPairs: dataKeyPairOperations,
  fileSigning: fileSigningOperations,
  import: importOperations,
  audit: auditOperations,
  recovery: recoveryOperations,
  vaultLock: vaultLockOperations,
};

export const OPERATIONS = {
  ...keyOperations,
  ...aliasOperations,
  ...tagOperations,
  ...rotationOperations,
  ...encryptionOperations,
  ...fileOperations,
  ...signingOperations,
  ...macOperations,
  ...keyAgreementOperations,
  ...dataKeyPairOperations,
  ...fileSigningOperations,
  ...importOperations,
  ...auditOperations,
  ...recoveryOperations,
  ...vaultLockOperations,
} satisfies OperationTable;
