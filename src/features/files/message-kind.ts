/**
 * Which way a dropped file goes: an AWS Encryption SDK message is decrypted, anything else is
 * encrypted. Recognised by content, not by name (docs/FORMAT.md §4): a format-2 message begins
 * with the version byte 0x02 and then a committing suite id the vault decrypts, 0x0478 or 0x0578.
 */
import {
  SUITE_COMMIT_KEY,
  SUITE_COMMIT_KEY_ECDSA_P384,
} from '../../../workers/envelope/algorithm-suites.ts';
import { MESSAGE_FORMAT_VERSION } from '../../../workers/envelope/message-header.ts';

/** Bytes needed to tell: the version byte and the two-byte suite id. */
export const MESSAGE_PREFIX_LENGTH = 3;

/** Whether `prefix` (the first bytes of a file) starts an ESDK message this vault can decrypt. */
export function startsEncryptionSdkMessage(prefix: Uint8Array): boolean {
  if (prefix.length < MESSAGE_PREFIX_LENGTH || prefix[0] !== MESSAGE_FORMAT_VERSION) return false;
  const suiteId = (prefix[1]! << 8) | prefix[2]!;
  return suiteId === SUITE_COMMIT_KEY || suiteId === SUITE_COMMIT_KEY_ECDSA_P384;
}

/** Reads only the first bytes of `file` (Blob.slice): a 20 GB file costs three bytes here. */
export async function isEncryptionSdkMessage(file: Blob): Promise<boolean> {
  const prefix = new Uint8Array(await file.slice(0, MESSAGE_PREFIX_LENGTH).arrayBuffer());
  return startsEncryptionSdkMessage(prefix);
}
