/** Randomness from the platform CSPRNG (crypto.getRandomValues), nothing else. */

/** Shim for workers/kms/ until its imports name ../encoding.ts; delete it then. */

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

export function randomUuid(): string {
  return crypto.randomUUID();
}

/** 12 decimal digits, like an AWS account id; chosen once when a vault is created. */
export function randomVaultId(): string {
  let digits = '';
  for (const byte of randomBytes(24)) digits += String(byte % 10);
  return digits.slice(0, 12);
}
