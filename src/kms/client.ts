/**
 * The one door from the UI to the core worker. It starts the worker, wraps it with Comlink,
 * passes callbacks as Comlink proxies (file progress) and AbortSignals through their transfer
 * handler (cancel), and turns every rejection back into a KmsError (Comlink carries only an error's name,
 * message and stack). The page also exposes this client as `window.kms` (src/main.ts), so the
 * devtools console and tests call exactly what the UI calls.
 */
import * as Comlink from 'comlink';
import { registerAbortSignalTransfer } from '../../workers/abort-signal-transfer.ts';
import {
  BACKGROUND_USER_AGENT,
  KMS_OPERATIONS,
  SANDBOX_OPERATIONS,
  SANDBOX_VAULT_NAME,
  UI_USER_AGENT,
  vaultChangedChannel,
  vaultUpgradeChannel,
  type CoreWorkerApi,
  type KmsApi,
  type SandboxApi,
  type VaultChange,
  type VaultUpgradeProgress,
} from '../../workers/api.ts';
import { isKmsErrorName, KmsError, validationError } from '../../workers/errors.ts';
import { findUncloneable } from '../../workers/kms/request-shape.ts';

export type KmsClient = KmsApi;
/** The sandbox vault's client (issue 13 §1): every operation, plus its clock and reset. */
export type SandboxClient = SandboxApi;
export { KmsError };

const VAULT_NAME = 'pocket-kms';

function rebuildError(error: unknown): KmsError {
  if (error instanceof KmsError) return error;
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return new KmsError(
    isKmsErrorName(name) ? name : 'KMSInternalException',
    typeof message === 'string' ? message : 'The key service did not answer.',
  );
}

/**
 * The arguments as they will cross: `(request, onProgress?, signal?)`. Refuses, before anything
 * is posted, what the browser cannot copy to the worker (a function, a Symbol, a cycle, nesting
 * deeper than the core accepts, a class instance) and arguments of the wrong kind: posting them
 * fails with the browser's own message (which quotes a function's source) or, for very deep
 * nesting, never settles. The refusal names the parameter, never its value. Such a call never
 * reaches the core, so it leaves no audit record; everything that does cross is checked again,
 * and logged, by the core (workers/kms/request-shape.ts).
 */
function crossableArguments(args: readonly unknown[]): unknown[] {
  const [request, onProgress, signal] = args;
  const problem = findUncloneable(request);
  if (problem) throw validationError(problem.path, undefined, problem.constraint);
  if (onProgress !== undefined && onProgress !== null && typeof onProgress !== 'function') {
    throw validationError('onProgress', undefined, 'Member must be a function, when given');
  }
  if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal)) {
    throw validationError('signal', undefined, 'Member must be an AbortSignal, when given');
  }
  const crossing: unknown[] = [request];
  // Functions cannot be cloned: the callback crosses as a proxy the worker calls back.
  if (typeof onProgress === 'function') crossing[1] = Comlink.proxy(onProgress);
  if (signal instanceof AbortSignal) crossing[2] = signal;
  return crossing;
}

function startCoreWorker(): Worker {
  return new Worker(new URL('../../workers/kms.worker.ts', import.meta.url), {
    type: 'module',
    name: 'pocket-kms-core',
  });
}

/** The same core script, named so that it opens the sandbox vault (workers/kms.worker.ts). */
function startSandboxWorker(): Worker {
  return new Worker(new URL('../../workers/kms.worker.ts', import.meta.url), {
    type: 'module',
    name: SANDBOX_VAULT_NAME,
  });
}

/**
 * Settles with KMSInternalException if the worker fails before it has answered anything (its
 * script did not load or threw while starting): without this, every call would wait forever.
 */
function startFailure(worker: Worker, answered: () => boolean): Promise<never> {
  const failure = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => {
      if (answered()) return;
      event.preventDefault();
      reject(
        new KmsError(
          'KMSInternalException',
          'The key service could not start in this tab. Reload the page; if that does not help, this browser may not run module workers.',
        ),
      );
    });
  });
  failure.catch(() => undefined); // observed by the calls that race against it
  return failure;
}

/** One started core worker, reached through Comlink: every client view calls through it. */
type CoreCall = (
  operation: string,
  userAgent: string | undefined,
  args: unknown[],
) => Promise<unknown>;

function connect(startWorker: () => Worker): CoreCall {
  registerAbortSignalTransfer();
  const worker = startWorker();
  let answered = false;
  const failedToStart = startFailure(worker, () => answered);
  const remote = Comlink.wrap<CoreWorkerApi>(worker);
  return async (operation, userAgent, args) => {
    try {
      const crossing = crossableArguments(args);
      const result = await Promise.race([
        remote.invoke(operation, userAgent, ...crossing),
        failedToStart,
      ]);
      answered = true;
      return result;
    } catch (error) {
      throw rebuildError(error);
    }
  };
}

/** Every operation of KMS_OPERATIONS, audited under `userAgent` (the core's default when none). */
function view(
  call: CoreCall,
  userAgent: string | undefined,
  operations: readonly string[] = KMS_OPERATIONS,
): KmsClient {
  return Object.fromEntries(
    operations.map((operation) => [
      operation,
      (...args: unknown[]) => call(operation, userAgent, args),
    ]),
  ) as unknown as KmsClient;
}

/**
 * A client with a core worker of its own. `startWorker` is for tests (the app always starts
 * workers/kms.worker.ts); `userAgent` is what the audit records name as the caller.
 */
export function createKmsClient(
  startWorker: () => Worker = startCoreWorker,
  userAgent?: string,
): KmsClient {
  return view(connect(startWorker), userAgent);
}

/** Calls `listener` with each message the cores post on `channelName`; returns the unsubscribe. */
function listen<T>(channelName: string, listener: (message: T) => void): () => void {
  const channel = new BroadcastChannel(channelName);
  channel.onmessage = (event: MessageEvent<T>) => listener(event.data);
  return () => channel.close();
}

/**
 * Calls `listener` whenever any tab changes the vault (the sandbox, when `vaultName` says so).
 * Returns the unsubscribe function.
 */
export function onVaultChanged(
  listener: (eventName: string, keyIds: readonly string[]) => void,
  vaultName = VAULT_NAME,
): () => void {
  return listen<VaultChange>(vaultChangedChannel(vaultName), (change) =>
    listener(change.eventName, change.keyIds ?? []),
  );
}

/**
 * Calls `listener` with each VaultUpgradeProgress a core posts while it upgrades the vault's
 * schema (this tab's core or another tab's). Returns the unsubscribe function.
 */
export function onVaultUpgrade(
  listener: (progress: VaultUpgradeProgress) => void,
  vaultName = VAULT_NAME,
): () => void {
  return listen(vaultUpgradeChannel(vaultName), listener);
}

/** The tab's one core worker, shared by the three views below. */
let shared: CoreCall | undefined;
const views = new Map<string | undefined, KmsClient>();

function sharedView(userAgent: string | undefined): KmsClient {
  shared ??= connect(startCoreWorker);
  let client = views.get(userAgent);
  if (!client) {
    client = view(shared, userAgent);
    views.set(userAgent, client);
  }
  return client;
}

/** The UI's client, for calls a person starts: audited as `pocket-kms-ui`. */
export function kms(): KmsClient {
  return sharedView(UI_USER_AGENT);
}

/**
 * The UI's client for the reads it makes on its own to draw a page (lists, descriptions):
 * audited as `pocket-kms-ui/background`, which Activity hides unless asked.
 */
export function backgroundKms(): KmsClient {
  return sharedView(BACKGROUND_USER_AGENT);
}

/** `window.kms`: page script and the devtools console, audited under the browser's user agent. */
export function pageKms(): KmsClient {
  return sharedView(undefined);
}

/** The sandbox's core worker, started by the first call: a page that never asks starts none. */
let sandbox: CoreCall | undefined;
const sandboxCall: CoreCall = (operation, userAgent, args) =>
  (sandbox ??= connect(startSandboxWorker))(operation, userAgent, args);
const sandboxViews = new Map<string | undefined, SandboxClient>();

/**
 * A client of the sandbox vault, audited under `userAgent` (`window.kmsSandbox`: the browser's;
 * the Learn pages: the UI's). It never reaches the person's vault.
 */
export function sandboxKms(userAgent?: string): SandboxClient {
  let client = sandboxViews.get(userAgent);
  if (!client) {
    client = view(sandboxCall, userAgent, [
      ...KMS_OPERATIONS,
      ...SANDBOX_OPERATIONS,
    ]) as unknown as SandboxClient;
    sandboxViews.set(userAgent, client);
  }
  return client;
}
