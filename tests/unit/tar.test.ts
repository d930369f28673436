/**
 * The ustar archive of vault backups (workers/formats/tar.ts, docs/FORMAT.md §6.1): what it
 * writes, GNU tar lists and extracts byte for byte; what it reads is refused on every one-bit
 * change of a header — including the checksum field's leading zeros and final space, which a
 * reader that parses the field as a number lets through.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTar, TarFormatError, tarBlobParts, writeTar } from '../../workers/formats/tar.ts';

const entries = [
  { name: 'README.txt', data: new TextEncoder().encode('hello\n') },
  { name: 'vault-backup.json.age', data: Uint8Array.from({ length: 700 }, (_, i) => i % 251) },
];
const mtime = new Date('2026-12-01T15:32:50.123Z');

describe('ustar archives', () => {
  it('round-trips, and GNU tar lists and extracts the same files', () => {
    const archive = writeTar(entries, mtime);
    expect(archive.length).toBe(512 + 512 + 512 + 1024 + 1024);
    expect(readTar(archive)).toEqual(entries);
    const directory = mkdtempSync(join(tmpdir(), 'pkms-tar-'));
    try {
      writeFileSync(join(directory, 'backup.tar'), archive);
      const listed = spawnSync('tar', ['-tvf', 'backup.tar'], { cwd: directory, encoding: 'utf8' });
      expect(listed.status).toBe(0);
      expect(listed.stdout).toMatch(/^-rw-r--r-- 0\/0 +6 \d{4}-\d\d-\d\d \d\d:\d\d README\.txt$/m);
      const extracted = spawnSync('tar', ['-xf', 'backup.tar'], { cwd: directory });
      expect(extracted.status).toBe(0);
      for (const entry of entries) {
        expect(new Uint8Array(readFileSync(join(directory, entry.name)))).toEqual(entry.data);
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('refuses every one-bit change of every header byte, the checksum field included', () => {
    const archive = writeTar(entries, mtime);
    const passed: string[] = [];
    for (const headerAt of [0, 1024]) {
      for (let offset = 0; offset < 512; offset++) {
        for (let bit = 0; bit < 8; bit++) {
          const changed = new Uint8Array(archive);
          changed[headerAt + offset]! ^= 1 << bit;
          try {
            readTar(changed);
            passed.push(`header at ${headerAt}, byte ${offset}, bit ${bit}`);
          } catch (error) {
            expect(error).toBeInstanceOf(TarFormatError);
          }
        }
      }
    }
    expect(passed).toEqual([]);
  });

  it('refuses a checksum written with a space for a leading zero, or without its final space', () => {
    const archive = writeTar(entries, mtime);
    const field = new TextDecoder().decode(archive.subarray(148, 156));
    expect(field).toMatch(/^0[0-7]{5}\0 $/);
    for (const variant of [` ${field.slice(1)}`, `${field.slice(0, 7)}\0`]) {
      const changed = new Uint8Array(archive);
      changed.set(new TextEncoder().encode(variant), 148);
      expect(() => readTar(changed)).toThrow('checksum');
    }
  });
});

describe("streamed archives of a folder's results (tarBlobParts)", () => {
  it('keep any path — long, spaced, not ASCII — through a pax header, and GNU tar extracts them', async () => {
    const long = `${'подпапка с длинным именем/'.repeat(4)}файл — ${'x'.repeat(40)}.bin.encrypted`;
    const members = [
      { name: 'album/plain.bin.encrypted', data: new Blob([Uint8Array.of(1, 2, 3)]) },
      { name: `album/${long}`, data: new Blob([new Uint8Array(1000).fill(7)]) },
      { name: 'album/with space.txt.encrypted', data: new Blob([]) },
    ];
    const archive = new Uint8Array(await new Blob(tarBlobParts(members, mtime)).arrayBuffer());
    expect(archive.length % 512).toBe(0);
    const directory = mkdtempSync(join(tmpdir(), 'pkms-tar-stream-'));
    try {
      writeFileSync(join(directory, 'album.tar'), archive);
      const extracted = spawnSync('tar', ['-xf', 'album.tar'], {
        cwd: directory,
        encoding: 'utf8',
      });
      expect(extracted.stderr).toBe('');
      expect(extracted.status).toBe(0);
      for (const member of members) {
        const bytes = new Uint8Array(await member.data.arrayBuffer());
        expect(new Uint8Array(readFileSync(join(directory, member.name))), member.name).toEqual(
          bytes,
        );
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
