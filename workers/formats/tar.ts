/**
 * The POSIX ustar archive, for the few regular files of a vault backup (docs/FORMAT.md, "Vault
 * backups") and for a folder's results where the browser cannot write into a folder
 * (tarBlobParts): every `tar` (GNU, BSD, Windows 10+) lists and extracts it. Written
 * deterministically: the files in the order given, mode 0644, owner 0, one modification time.
 * Read strictly, for archives this module wrote: a bad header checksum, a truncated member,
 * padding that is not zero, data after the end, or anything but regular files is refused
 * (TarFormatError), so no changed byte outside the members' data passes unnoticed.
 */

const BLOCK = 512;
const NAME_LENGTH = 100;
const ascii = new TextEncoder();

export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

export interface TarEntry {
  name: string;
  data: Uint8Array;
}

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, '0') + '\0';
}

/** A name ustar's name field holds as it is: 1 to 99 printable ASCII characters, no space. */
function fitsUstar(name: string): boolean {
  return name.length > 0 && name.length < NAME_LENGTH && /^[\x21-\x7e]+$/.test(name);
}

function header(
  name: string,
  size: number,
  mtime: Date,
  type: '0' | 'x' = '0',
): Uint8Array<ArrayBuffer> {
  if (!fitsUstar(name)) throw new RangeError(`tar member name not supported: ${name}`);
  const block = new Uint8Array(BLOCK);
  const put = (offset: number, text: string) => block.set(ascii.encode(text), offset);
  put(0, name);
  put(100, octal(0o644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(Math.floor(mtime.getTime() / 1000), 12));
  put(148, '        '); // checksum field counts as spaces while summing
  put(156, type); // '0' a regular file, 'x' a pax extended header for the next member
  put(257, 'ustar\x0000');
  const sum = block.reduce((total, byte) => total + byte, 0);
  put(148, sum.toString(8).padStart(6, '0') + '\0 ');
  return block;
}

/** A ustar archive of `entries`, each with modification time `mtime`. */
export function writeTar(entries: readonly TarEntry[], mtime: Date): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    parts.push(header(entry.name, entry.data.length, mtime), entry.data);
    const padding = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
    if (padding) parts.push(new Uint8Array(padding));
  }
  parts.push(new Uint8Array(2 * BLOCK));
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The largest size ustar's 12-byte octal field holds (8 GiB − 1). */
const MAX_USTAR_SIZE = 8 ** 11 - 1;

/** One pax record, `<length> <key>=<value>\n`, whose length counts itself (POSIX pax). */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = new TextEncoder().encode(body).length;
  let length = bodyLength + 1;
  while (String(length).length + bodyLength !== length) length++;
  return `${length}${body}`;
}

/** A member of a streamed archive: its path (any characters, any length) and its data. */
export interface StreamedTarMember {
  name: string;
  data: Blob;
}

/**
 * A ustar archive of `members`, as the parts of a Blob: headers and padding are small arrays and
 * each member's data stays the Blob given, so disk-backed Files are never read into memory. A
 * path ustar cannot hold (longer than 99 bytes, or not printable ASCII) or a size of 8 GiB or
 * more gets a pax extended header first (POSIX.1-2001), as GNU, BSD and Windows tar read it; the
 * member's own header then carries a plain-ASCII stand-in name.
 */
export function tarBlobParts(members: readonly StreamedTarMember[], mtime: Date): BlobPart[] {
  const parts: BlobPart[] = [];
  const pad = (size: number) => {
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (padding) parts.push(new Uint8Array(padding));
  };
  members.forEach((member, index) => {
    const { size } = member.data;
    const records =
      (fitsUstar(member.name) ? '' : paxRecord('path', member.name)) +
      (size > MAX_USTAR_SIZE ? paxRecord('size', String(size)) : '');
    let name = member.name;
    if (records !== '') {
      const pax = new TextEncoder().encode(records);
      parts.push(header(`PaxHeaders/${index}`, pax.length, mtime, 'x'), pax);
      pad(pax.length);
      if (!fitsUstar(name)) name = `member-${index}`;
    }
    parts.push(header(name, Math.min(size, MAX_USTAR_SIZE), mtime), member.data);
    pad(size);
  });
  parts.push(new Uint8Array(2 * BLOCK));
  return parts;
}

function field(block: Uint8Array, offset: number, length: number): string {
  const bytes = block.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
}

function parseOctal(text: string, what: string): number {
  const digits = text.trim();
  if (!/^[0-7]+$/.test(digits)) throw new TarFormatError(`the ${what} field is not octal`);
  return parseInt(digits, 8);
}

/** The regular files of a ustar archive, in order. */
export function readTar(archive: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  for (;;) {
    if (offset + BLOCK > archive.length) throw new TarFormatError('the archive is cut short');
    const block = archive.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) {
      const next = archive.subarray(offset + BLOCK, offset + 2 * BLOCK);
      if (next.length !== BLOCK || !next.every((byte) => byte === 0)) {
        throw new TarFormatError('the archive does not end with two empty blocks');
      }
      if (offset + 2 * BLOCK !== archive.length) {
        throw new TarFormatError('there is data after the end of the archive');
      }
      return entries;
    }
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    // The field must be byte for byte what header() writes (six octal digits, NUL, space): read
    // as a number, a leading zero turned into a space or a changed final space would pass.
    const checksum = sum.toString(8).padStart(6, '0') + '\0 ';
    if (String.fromCharCode(...block.subarray(148, 156)) !== checksum) {
      throw new TarFormatError('a member header checksum does not match');
    }
    if (field(block, 257, 6) !== 'ustar') throw new TarFormatError('not a ustar archive');
    const type = String.fromCharCode(block[156]!);
    if (type !== '0' && type !== '\0') throw new TarFormatError('a member is not a regular file');
    const name = field(block, 0, NAME_LENGTH);
    const size = parseOctal(field(block, 124, 12), 'size');
    const start = offset + BLOCK;
    if (start + size > archive.length) throw new TarFormatError(`the member ${name} is cut short`);
    entries.push({ name, data: archive.slice(start, start + size) });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    if (
      offset > archive.length ||
      archive.subarray(start + size, offset).some((byte) => byte !== 0)
    ) {
      throw new TarFormatError(`the padding after ${name} is not empty`);
    }
  }
}
