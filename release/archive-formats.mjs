/**
 * Deterministic .tar.gz and .zip writers for the release (docs/RELEASE.md, "Reproducible"): the
 * bytes depend only on the entries given — their order, paths, modes, contents and one
 * timestamp — never on the machine, the user, the clock or the file system's order. Node's
 * standard library only (node:zlib for deflate, gzip and CRC-32).
 *
 * An entry is { path, mode, data } for a file or { path, mode } for a directory (path ending
 * in `/`); the caller sorts them. Every entry gets owner and group 0 with no names, and the
 * same modification time.
 */
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';

/** @typedef {{ path: string, mode: number, data?: Uint8Array }} ArchiveEntry */

const encoder = new TextEncoder();

/** POSIX ustar (tar as every tool since 1988 reads it): a 512-byte header per entry. */
function tarHeader(entry, mtime) {
  const header = Buffer.alloc(512);
  const directory = entry.path.endsWith('/');
  let name = entry.path;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    // ustar splits a long path at a slash: up to 155 bytes of prefix, up to 100 of name.
    const cut = name.lastIndexOf('/', name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(prefix) > 155 || Buffer.byteLength(name) > 100) {
      throw new Error(`tar: path too long for ustar: ${entry.path}`);
    }
  }
  const octal = (value, width) => value.toString(8).padStart(width - 1, '0') + '\0';
  header.write(name, 0, 100, 'utf8');
  header.write(octal(entry.mode, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii'); // uid
  header.write(octal(0, 8), 116, 'ascii'); // gid
  header.write(octal(directory ? 0 : entry.data.length, 12), 124, 'ascii');
  header.write(octal(mtime, 12), 136, 'ascii');
  header.write(' '.repeat(8), 148, 'ascii'); // the checksum counts itself as spaces
  header.write(directory ? '5' : '0', 156, 'ascii');
  header.write('ustar\0' + '00', 257, 'ascii');
  header.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return header;
}

/**
 * A gzip-compressed ustar archive. The gzip header's time is 0 and its OS byte 3 (Unix) on
 * every platform, so only the entries decide the bytes.
 * @param {ArchiveEntry[]} entries
 * @param {number} mtime seconds since 1970 for every entry
 */
export function tarGz(entries, mtime) {
  const parts = [];
  for (const entry of entries) {
    parts.push(tarHeader(entry, mtime));
    if (entry.data) {
      parts.push(Buffer.from(entry.data));
      const padding = (512 - (entry.data.length % 512)) % 512;
      parts.push(Buffer.alloc(padding));
    }
  }
  parts.push(Buffer.alloc(1024)); // two empty records end the archive
  const gz = gzipSync(Buffer.concat(parts), { level: 9 });
  gz[9] = 3;
  return gz;
}

/** MS-DOS date and time (the zip format's), UTC: zip has no time zone, and UTC is the same everywhere. */
function dosDateTime(mtime) {
  const date = new Date(mtime * 1000);
  const time =
    (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1);
  const day =
    ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate();
  return { time, day };
}

/**
 * A zip archive (APPNOTE 6.3: no zip64, files under 4 GiB), files deflated, directories stored,
 * names flagged UTF-8, Unix modes in the external attributes so `unzip` restores them.
 * @param {ArchiveEntry[]} entries
 * @param {number} mtime seconds since 1970 for every entry (stored to 2 s, as DOS time is)
 */
export function zip(entries, mtime) {
  const { time, day } = dosDateTime(mtime);
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(encoder.encode(entry.path));
    const directory = entry.path.endsWith('/');
    const data = directory ? Buffer.alloc(0) : Buffer.from(entry.data);
    const compressed = directory ? data : deflateRawSync(data, { level: 9 });
    const method = directory ? 0 : 8;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate, directories)
    local.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(day, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(day, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    const unixMode = (directory ? 0o040000 : 0o100000) | entry.mode;
    central.writeUInt32LE(((unixMode << 16) | (directory ? 0x10 : 0)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directorySize = centrals.reduce((size, part) => size + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directorySize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
