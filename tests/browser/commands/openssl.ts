/**
 * Vitest browser commands (test.browser.commands in vitest.config.ts) that run the OpenSSL
 * command-line tool in Node, next to the browser tests (tests/browser/openssl.test.ts): the
 * cross-checks of issue 4 — vault signatures verified, vault public keys and private keys
 * parsed, data encrypted for the vault by `openssl`. Bytes cross as base64 strings.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserCommand } from 'vitest/node';

/** Files to create in a fresh directory (name → base64 bytes), then one program to run there. */
export interface ToolRun {
  files: Record<string, string>;
  /** Arguments after `openssl`. */
  args: string[];
  /** Files the program writes, returned as base64. */
  outputs?: string[];
}

export interface ToolResult {
  status: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

export interface DocumentedCheck {
  files: Record<string, string>;
  /** The values of FILE, SIG and PUB in the documented script. */
  file: string;
  signatureFile: string;
  publicKey: string;
  /** The shell the reader runs the saved block with, as the documentation says (default sh). */
  shell?: 'sh' | 'bash';
}

export interface DocumentedCheckResult extends ToolResult {
  /** The script as it stands in docs/FORMAT.md. */
  script: string;
}

/** The line in docs/FORMAT.md that precedes the shell block these tests run. */
export const DOCUMENTED_SCRIPT_MARKER = '<!-- tests/browser/openssl.test.ts runs this block -->';

function inDirectory<T>(files: Record<string, string>, work: (directory: string) => T): T {
  const directory = mkdtempSync(join(tmpdir(), 'pkms-openssl-'));
  try {
    for (const [name, base64] of Object.entries(files)) {
      if (!/^[\w.-]+$/.test(name)) throw new Error(`not a plain file name: ${name}`);
      writeFileSync(join(directory, name), Buffer.from(base64, 'base64'));
    }
    return work(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function run(
  directory: string,
  program: string,
  args: string[],
  outputs: string[] = [],
  env?: Record<string, string>,
): ToolResult {
  const result = spawnSync(program, args, {
    cwd: directory,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  const written: Record<string, string> = {};
  if (result.status === 0) {
    for (const name of outputs)
      written[name] = readFileSync(join(directory, name)).toString('base64');
  }
  return {
    status: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs: written,
  };
}

/** `openssl <args>` in a directory holding `files`. */
export const openssl: BrowserCommand<[ToolRun]> = (_context, request): ToolResult =>
  inDirectory(request.files, (directory) =>
    run(directory, 'openssl', request.args, request.outputs),
  );

/** The shell block of docs/FORMAT.md §5.3 that verifies a signature file, exactly as written. */
function documentedScript(): string {
  const format = readFileSync(join(process.cwd(), 'docs', 'FORMAT.md'), 'utf8');
  const at = format.indexOf(DOCUMENTED_SCRIPT_MARKER);
  const block = at < 0 ? undefined : /```sh\n([\s\S]*?)```/.exec(format.slice(at))?.[1];
  if (!block) throw new Error(`docs/FORMAT.md: no sh block after "${DOCUMENTED_SCRIPT_MARKER}"`);
  return block;
}

/**
 * Runs the documented verification script as the documentation tells the reader to — plain `sh`
 * (or `bash`) with no options, so that stopping at a failed check is the script's own doing —
 * in a directory holding `files`, with FILE, SIG and PUB set.
 */
export const verifyAsDocumented: BrowserCommand<[DocumentedCheck]> = (
  _context,
  request,
): DocumentedCheckResult =>
  inDirectory(request.files, (directory) => {
    const script = documentedScript();
    return {
      script,
      ...run(directory, request.shell ?? 'sh', ['-c', script], [], {
        FILE: request.file,
        SIG: request.signatureFile,
        PUB: request.publicKey,
      }),
    };
  });

declare module 'vitest/browser' {
  interface BrowserCommands {
    openssl: (request: ToolRun) => Promise<ToolResult>;
    verifyAsDocumented: (request: DocumentedCheck) => Promise<DocumentedCheckResult>;
  }
}
