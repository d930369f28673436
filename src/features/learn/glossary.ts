/**
 * The Learn section's glossary (issue 13 §2): the terms the lessons use, each with its page
 * `#/learn/glossary/<id>`, linked from every lesson that uses it.
 */
export interface GlossaryTerm {
  id: string;
  term: string;
  definition: string;
}

export const GLOSSARY: readonly GlossaryTerm[] = [
  {
    id: 'kms-key',
    term: 'KMS key (CMK)',
    definition:
      'A key that never leaves the key service: you ask the service to use it (encrypt, decrypt, sign) and it answers. AWS called it a customer master key (CMK). Here, a key in the vault.',
  },
  {
    id: 'data-key',
    term: 'Data key',
    definition:
      'A fresh key made for one piece of data (GenerateDataKey): used in plaintext to encrypt the data, then forgotten, and stored beside the data only encrypted under a KMS key.',
  },
  {
    id: 'envelope-encryption',
    term: 'Envelope encryption',
    definition:
      'Encrypting data with a data key, and the data key with a KMS key: large data never travels to the key service, and one KMS key protects any number of data keys.',
  },
  {
    id: 'encryption-context',
    term: 'Encryption context',
    definition:
      'Non-secret key–value pairs bound to a ciphertext as additional authenticated data: decryption must give the same pairs. Stored in clear in a file’s header, and in every audit record.',
  },
  {
    id: 'key-commitment',
    term: 'Key commitment',
    definition:
      'A value derived from the data key and written in the header, so a message decrypts under exactly one data key: no message can be crafted to decrypt to different texts under different keys.',
  },
  {
    id: 'rotation',
    term: 'Rotation',
    definition:
      'Adding new key material (a version) under the same key: new ciphertexts use it, old ones keep decrypting with the material that made them. On demand, or automatically every period.',
  },
  {
    id: 'key-state',
    term: 'Key state',
    definition:
      'Enabled, Disabled, PendingDeletion, PendingImport: what a key may do now. A disabled key comes back with EnableKey; a key whose deletion window has passed is gone for good.',
  },
];

export function glossaryHref(id: string): string {
  return `#/learn/glossary/${id}`;
}
