/**
 * Vitest browser commands (test.browser.commands in vitest.config.ts) that open Pocket KMS vault
 * backups with tools we did not write, in Node, next to the browser tests
 * (tests/browser/age-cli.test.ts): the `age` command-line tool (Debian's age 1.1.1) running the
 * blocks of docs/FORMAT.md §6.4 exactly as written, the Node.js script of §6.5 exactly as
 * written, and the JSON Schema of docs/vault-backup.schema.json through Ajv. Bytes cross as
 * base64 strings.
 *
 * age reads a passphrase only from a terminal (/dev/tty), never from a pipe, so the passphrase
 * block runs under a pseudo-terminal (python3's pty module) that types the test's passphrase at
 * each "Enter passphrase:" prompt. That typing is the test's only addition to the documented
 * commands.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import type { BrowserCommand } from 'vitest/node';

/** The lines in docs/FORMAT.md that precede the blocks these commands run. */
export const AGE_BLOCK_MARKERS = {
  recoveryKey: '<!-- tests/browser/age-cli.test.ts runs this block: recovery key -->',
  passphrase: '<!-- tests/browser/age-cli.test.ts runs this block: passphrase -->',
  decryptBlob: '<!-- tests/browser/age-cli.test.ts runs this script -->',
} as const;

export interface AgeRunResult {
  status: number;
  /** stdout and stderr (one transcript under the pseudo-terminal). */
  output: string;
  /** The block or script as it stands in docs/FORMAT.md. */
  script: string;
  /** Files the run left behind, as base64, when it succeeded. */
  outputs: Record<string, string>;
}

export interface OpenBackupRequest {
  /** The backup archive, base64, and the name it is saved under (the value of BACKUP). */
  archive: string;
  archiveName: string;
  /** The recovery key (saved as recovery-key.txt first, as §6.4 says) or the passphrase. */
  secret: { recoveryKey: string } | { passphrase: string };
}

export interface DecryptBlobRequest {
  /** vault-backup.json as age wrote it, the recovery key, the blob (base64), its context. */
  document: string;
  recoveryKey: string;
  blob: string;
  encryptionContext?: Record<string, string>;
}

export interface SchemaCheck {
  json: string;
  /** A definition of the schema's $defs to check against instead of the whole document. */
  definition?: 'SealedMaterial';
}

export interface SchemaResult {
  valid: boolean;
  errors: string[];
}

function documented(marker: string, language: 'sh' | 'js'): string {
  const format = readFileSync(join(process.cwd(), 'docs', 'FORMAT.md'), 'utf8');
  const at = format.indexOf(marker);
  const block =
    at < 0 ? undefined : new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(format.slice(at));
  if (!block?.[1]) throw new Error(`docs/FORMAT.md: no ${language} block after "${marker}"`);
  return block[1];
}

/** The README.txt text that docs/FORMAT.md §6.1 gives. */
export const documentedBackupReadme: BrowserCommand<[]> = (): string => {
  const format = readFileSync(join(process.cwd(), 'docs', 'FORMAT.md'), 'utf8');
  const at = format.indexOf('is the same text in every format-version-1 backup:');
  const block = at < 0 ? undefined : /```text\n([\s\S]*?)```/.exec(format.slice(at))?.[1];
  if (!block) throw new Error('docs/FORMAT.md §6.1: no README.txt block');
  return block;
};

function inDirectory<T>(files: Record<string, Uint8Array | string>, work: (dir: string) => T): T {
  const directory = mkdtempSync(join(tmpdir(), 'pkms-age-'));
  try {
    for (const [name, data] of Object.entries(files)) {
      if (!/^[\w.-]+$/.test(name)) throw new Error(`not a plain file name: ${name}`);
      writeFileSync(join(directory, name), data);
    }
    return work(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function collect(directory: string, status: number, names: string[]): Record<string, string> {
  const outputs: Record<string, string> = {};
  if (status === 0) {
    for (const name of names)
      outputs[name] = readFileSync(join(directory, name)).toString('base64');
  }
  return outputs;
}

/**
 * Runs `command` under a pseudo-terminal and types `PKMS_TEST_PASSPHRASE` and a newline at
 * every passphrase prompt; exits with the command's status. Test-only: a person types it.
 */
const PTY_DRIVER = String.raw`
import os, pty, signal, sys
signal.alarm(60)
secret = os.environ.pop('PKMS_TEST_PASSPHRASE').encode() + b'\n'
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
seen = b''
while True:
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    sys.stdout.buffer.write(data)
    seen += data
    if b'passphrase:' in seen.lower():
        os.write(fd, secret)
        seen = b''
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;

function run(
  directory: string,
  argv: string[],
  env: Record<string, string>,
  input?: string,
): { status: number; output: string } {
  const result = spawnSync(argv[0]!, argv.slice(1), {
    cwd: directory,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    input,
    timeout: 90_000,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, output: result.stdout + result.stderr };
}

/** Opens a backup by the block of docs/FORMAT.md §6.4 for the given secret, run with `sh`. */
export const openBackupAsDocumented: BrowserCommand<[OpenBackupRequest]> = (
  _context,
  { archive, archiveName, secret },
): AgeRunResult => {
  const byKey = 'recoveryKey' in secret;
  const script = documented(
    byKey ? AGE_BLOCK_MARKERS.recoveryKey : AGE_BLOCK_MARKERS.passphrase,
    'sh',
  );
  const files: Record<string, Uint8Array | string> = {
    [archiveName]: Buffer.from(archive, 'base64'),
  };
  if (byKey) files['recovery-key.txt'] = `${secret.recoveryKey}\n`;
  return inDirectory(files, (directory) => {
    const { status, output } = byKey
      ? run(directory, ['sh', '-c', script], { BACKUP: archiveName }, '')
      : run(directory, ['python3', '-c', PTY_DRIVER, 'sh', '-c', script], {
          BACKUP: archiveName,
          PKMS_TEST_PASSPHRASE: secret.passphrase,
        });
    const names = ['vault-backup.json', 'README.txt', ...(byKey ? [] : ['recovery-key.txt'])];
    return { status, output, script, outputs: collect(directory, status, names) };
  });
};

/** Decrypts a ciphertext blob by the Node.js script of docs/FORMAT.md §6.5, as written. */
export const decryptBlobAsDocumented: BrowserCommand<[DecryptBlobRequest]> = (
  _context,
  { document, recoveryKey, blob, encryptionContext },
): AgeRunResult => {
  const script = documented(AGE_BLOCK_MARKERS.decryptBlob, 'js');
  const files: Record<string, Uint8Array | string> = {
    'decrypt-blob.mjs': script,
    'vault-backup.json': document,
    'recovery-key.txt': `${recoveryKey}\n`,
    'blob.bin': Buffer.from(blob, 'base64'),
  };
  const args = ['vault-backup.json', 'recovery-key.txt', 'blob.bin'];
  if (encryptionContext) {
    files['context.json'] = JSON.stringify(encryptionContext);
    args.push('context.json');
  }
  return inDirectory(files, (directory) => {
    const result = spawnSync(process.execPath, ['decrypt-blob.mjs', ...args], {
      cwd: directory,
      timeout: 30_000,
    });
    if (result.error) throw result.error;
    const status = result.status ?? -1;
    return {
      status,
      output: result.stderr.toString('utf8'),
      script,
      outputs: (status === 0 ? { plaintext: result.stdout.toString('base64') } : {}) as Record<
        string,
        string
      >,
    };
  });
};

/** `age <args>` in a directory holding `files` (name → base64). */
export const age: BrowserCommand<[{ files: Record<string, string>; args: string[] }]> = (
  _context,
  { files, args },
): { status: number; stdout: string; stderr: string } => {
  const bytes = Object.fromEntries(
    Object.entries(files).map(([name, base64]) => [name, Buffer.from(base64, 'base64')]),
  );
  return inDirectory(bytes, (directory) => {
    const result = spawnSync('age', args, { cwd: directory, encoding: 'utf8', timeout: 30_000 });
    if (result.error) throw result.error;
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  });
};

const ajv = new Ajv2020({ strict: true, allErrors: true });
let schemaId: string | undefined;

/** Validates JSON text against docs/vault-backup.schema.json (or one of its $defs). */
export const validateBackupSchema: BrowserCommand<[SchemaCheck]> = (
  _context,
  { json, definition },
): SchemaResult => {
  if (schemaId === undefined) {
    const schema = JSON.parse(
      readFileSync(join(process.cwd(), 'docs', 'vault-backup.schema.json'), 'utf8'),
    ) as { $id: string };
    ajv.addSchema(schema);
    schemaId = schema.$id;
  }
  const validate = ajv.getSchema(definition ? `${schemaId}#/$defs/${definition}` : schemaId);
  if (!validate) throw new Error(`docs/vault-backup.schema.json: no definition ${definition}`);
  const valid = validate(JSON.parse(json)) as boolean;
  return {
    valid,
    errors: (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`),
  };
};

declare module 'vitest/browser' {
  interface BrowserCommands {
    openBackupAsDocumented: (request: OpenBackupRequest) => Promise<AgeRunResult>;
    decryptBlobAsDocumented: (request: DecryptBlobRequest) => Promise<AgeRunResult>;
    age: (request: {
      files: Record<string, string>;
      args: string[];
    }) => Promise<{ status: number; stdout: string; stderr: string }>;
    validateBackupSchema: (request: SchemaCheck) => Promise<SchemaResult>;
    documentedBackupReadme: () => Promise<string>;
  }
}
