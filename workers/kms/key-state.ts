/**
 * Which key states an operation allows, after AWS's key-state table
 * (docs.aws.amazon.com/kms/latest/developerguide/key-state.html), and the error otherwise.
 */
import type { KeyState } from '../api.ts';
import { KmsError } from '../errors.ts';

/**
 * - `use`: cryptographic use and rotation settings (encrypt, decrypt, reEncrypt,
 *   generateDataKey*, enableKeyRotation, disableKeyRotation, rotateKeyOnDemand): Enabled only.
 * - `manage`: changing the key's settings (description, aliases, tags, enable, disable,
 *   scheduleKeyDeletion): anything but PendingDeletion.
 * - `read`: describing or listing (describeKey, list*, getKeyRotationStatus, deleteAlias): any.
 */
export type StateRule = 'use' | 'manage' | 'read';

export function requireKeyState(keyArn: string, state: KeyState, rule: StateRule): void {
  if (rule === 'read') return;
  if (state === 'PendingDeletion') {
    throw new KmsError('KMSInvalidStateException', `${keyArn} is pending deletion.`);
  }
  if (rule === 'use' && state === 'Disabled') {
    throw new KmsError('DisabledException', `${keyArn} is disabled.`);
  }
  if (rule === 'use' && state === 'PendingImport') {
    throw new KmsError('KMSInvalidStateException', `${keyArn} is pending import.`);
  }
}
