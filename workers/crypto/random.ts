/** Randomness from the platform CSPRNG (crypto.getRandomValues), nothing else. */

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
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
