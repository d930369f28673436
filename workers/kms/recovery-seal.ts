/**
 * The one custody path (DESIGN §10): a key version's material, made as bytes in this worker, is
 * sealed to the vault's recovery recipient — an age file nobody but the holder of the recovery
 * identity can open — before it is imported as non-extractable CryptoKeys and the bytes are
 * dropped. The seal names its key, version, spec and usage inside, so a seal moved to another
 * version is refused when it is opened.
 */
import { armorAge, decryptAge, encryptToRecipient } from '../crypto/age.ts';
import type { Bytes } from '../crypto/bytes.ts';
import {
  decodeSealedMaterial,
  encodeSealedMaterial,
  type SealedMaterialPayload,
} from '../formats/vault-backup.ts';
import { KmsError } from '../errors.ts';

export type MaterialLabel = Omit<SealedMaterialPayload, 'Material'>;

/** The armored age file of `material`, to `recipient`. */
export async function sealMaterial(
  recipient: string,
  label: MaterialLabel,
  material: Bytes,
): Promise<string> {
  const payload = encodeSealedMaterial({ ...label, Material: material });
  try {
    return armorAge(await encryptToRecipient(payload, recipient));
  } finally {
    payload.fill(0);
  }
}

/** Opens a seal with the recovery identity and checks it is the material of `expected`. */
export async function openSealedMaterial(
  identity: string,
  seal: string,
  expected: MaterialLabel,
): Promise<Bytes> {
  const payload = await decryptAge(seal, { identity });
  try {
    const opened = decodeSealedMaterial(payload);
    if (
      opened.KeyId !== expected.KeyId ||
      opened.Version !== expected.Version ||
      opened.KeySpec !== expected.KeySpec ||
      opened.KeyUsage !== expected.KeyUsage
    ) {
      opened.Material.fill(0);
      throw new KmsError(
        'InvalidCiphertextException',
        `The sealed material of ${expected.KeyId} version ${expected.Version} names another key version: the backup was changed.`,
      );
    }
    return opened.Material;
  } finally {
    payload.fill(0);
  }
}
