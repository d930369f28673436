/**
 * workers/envelope/output-name.ts: the names of files the file operations return are one safe,
 * readable file name whatever the input file was called.
 */
import { describe, expect, it } from 'vitest';
import { MAX_OUTPUT_NAME_BYTES, safeOutputName } from '../../workers/envelope/output-name.ts';

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

describe('safeOutputName', () => {
  it('keeps an ordinary name and appends the suffix', () => {
    expect(safeOutputName('report.pdf', '.encrypted')).toBe('report.pdf.encrypted');
    expect(safeOutputName('Überweisung 2026 😀.txt', '.sig')).toBe('Überweisung 2026 😀.txt.sig');
    expect(safeOutputName('notes.txt')).toBe('notes.txt');
  });

  it('replaces path separators, so the name is never a path', () => {
    expect(safeOutputName('a/b\\c', '.encrypted')).toBe('a_b_c.encrypted');
    expect(safeOutputName('../etc/passwd', '.sig')).toBe('.._etc_passwd.sig');
    expect(safeOutputName('/', '.encrypted')).toBe('_.encrypted');
    expect(safeOutputName('C:\\Users\\me\\x.txt')).toBe('C:_Users_me_x.txt');
  });

  it('replaces control characters (C0, DEL, C1) and bidirectional overrides', () => {
    expect(safeOutputName('a\u0000b\nc\td\u007fe\u0085f', '.sig')).toBe('a_b_c_d_e_f.sig');
    expect(safeOutputName('invoice\u202Efdp.exe')).toBe('invoice_fdp.exe');
  });

  it('replaces lone surrogates by U+FFFD and keeps surrogate pairs', () => {
    expect(safeOutputName('a\uD800b\uDC00c', '.encrypted')).toBe('a\uFFFDb\uFFFDc.encrypted');
    expect(safeOutputName('\uD83D\uDE00', '')).toBe('😀');
  });

  it('uses the fallback for an empty name or one made only of dots', () => {
    expect(safeOutputName('', '.encrypted')).toBe('data.encrypted');
    expect(safeOutputName(undefined, '.sig')).toBe('data.sig');
    expect(safeOutputName('.', '')).toBe('data');
    expect(safeOutputName('..', '')).toBe('data');
    expect(safeOutputName('   ', '.sig')).toBe('data.sig');
    expect(safeOutputName('', '', 'data.encrypted')).toBe('data.encrypted');
  });

  it('trims surrounding spaces but keeps inner ones', () => {
    expect(safeOutputName('  my file .txt  ', '.sig')).toBe('my file .txt.sig');
  });

  it('sanitizes the suffix too', () => {
    expect(safeOutputName('a', '/x')).toBe('a_x');
  });

  it('caps the whole name at 255 UTF-8 bytes, keeping the suffix, at a character boundary', () => {
    const long = safeOutputName('a'.repeat(10_000), '.encrypted');
    expect(utf8Bytes(long)).toBe(MAX_OUTPUT_NAME_BYTES);
    expect(long.endsWith('.encrypted')).toBe(true);
    const emoji = safeOutputName('😀'.repeat(200), '.sig');
    expect(utf8Bytes(emoji)).toBeLessThanOrEqual(MAX_OUTPUT_NAME_BYTES);
    expect(emoji.endsWith('.sig')).toBe(true);
    expect(emoji).not.toMatch(/\p{Surrogate}/u);
    expect(emoji.slice(0, -4)).toMatch(/^(😀)+$/u);
  });

  it('always gives one non-empty, well-formed name without separators or controls', () => {
    const samples = ['', '.', '..', '/', '\\', '\u0000', '\uD800', 'x'.repeat(300), 'a/b', ' . '];
    for (const name of samples) {
      for (const suffix of ['', '.encrypted', '.sig', '.decrypted']) {
        const out = safeOutputName(name, suffix);
        expect(out.length).toBeGreaterThan(0);
        expect(out).not.toMatch(/[/\\\u0000-\u001f\u007f]/);
        expect(out).not.toMatch(/\p{Surrogate}/u);
        expect(utf8Bytes(out)).toBeLessThanOrEqual(MAX_OUTPUT_NAME_BYTES);
        expect(out.slice(0, out.length - suffix.length)).not.toMatch(/^\.*$/);
      }
    }
  });
});
