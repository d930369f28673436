/// <reference lib="webworker" />
/**
 * The core worker's entry: claims this tab's file-output directory and sweeps those of closed
 * tabs, opens the vault, runs housekeeping now and every minute, and exposes the one API object
 * (workers/api.ts) through Comlink. The UI reaches it only through src/kms/client.ts.
 *
 * Started with the name SANDBOX_VAULT_NAME it is the sandbox's core (issue 13 §1): the sandbox
 * database, its own OPFS folder, a clock that moves only when asked, and SANDBOX_OPERATIONS.
 */
import * as Comlink from 'comlink';
import { registerAbortSignalTransfer } from './abort-signal-transfer.ts';
import {
  KMS_OPERATIONS,
  SANDBOX_OPERATIONS,
  SANDBOX_VAULT_NAME,
  vaultChangedChannel,
  vaultUpgradeChannel,
  type CoreWorkerApi,
  type KmsApi,
  type KmsOperation,
  type VaultChange,
  type VaultUpgradeProgress,
} from './api.ts';
import { KmsError } from './errors.ts';
import {
  opfsSyncAccessAvailable,
  removeOutputDirectory,
  SANDBOX_OUTPUT_DIRECTORY,
  sweepAbandonedOutputs,
  useOutputDirectory,
  watchEndedOwners,
} from './envelope/opfs-sink.ts';
import { DEFAULT_VAULT_NAME, VaultStore } from './keystore/vault-store.ts';
import { Kms } from './kms/kms.ts';

const HOUSEKEEPING_INTERVAL_MS = 60_000;

const sandbox = (self as DedicatedWorkerGlobalScope).name === SANDBOX_VAULT_NAME;
const vaultName = sandbox ? SANDBOX_VAULT_NAME : DEFAULT_VAULT_NAME;
if (sandbox) useOutputDirectory(SANDBOX_OUTPUT_DIRECTORY);

registerAbortSignalTransfer();

// What closed tabs left unfinished is removed; an open tab's outputs never (opfs-sink.ts).
if (opfsSyncAccessAvailable()) {
  sweepAbandonedOutputs().catch((error: unknown) => {
    console.warn('Pocket KMS could not remove earlier file outputs:', (error as Error).name);
  });
  // When another tab ends (closed, or the one this reload replaced), its finished outputs become
  // this tab's to list: say so, so the Files page lists them again.
  const changes = new BroadcastChannel(vaultChangedChannel(vaultName));
  const ended: VaultChange = { eventName: 'FileOutputsChanged', keyIds: [] };
  watchEndedOwners(() => changes.postMessage(ended)).catch(() => undefined);
}

let housekeepingTimer: ReturnType<typeof setInterval> | undefined;

/** Opens this core's vault and starts its housekeeping (again, after a sandbox reset). */
function openVault(): Promise<Kms> {
  // An upgrade's progress goes to every tab of this vault, for the page to show (App.svelte).
  const upgrade = new BroadcastChannel(vaultUpgradeChannel(vaultName));
  const onUpgradeProgress = (progress: VaultUpgradeProgress): void => upgrade.postMessage(progress);
  return Kms.open({ vaultName, sandbox, onUpgradeProgress })
    .finally(() => upgrade.close())
    .then(
      async (kms) => {
        const housekeeping = (): void => {
          kms.runHousekeeping().catch((error: unknown) => {
            // Housekeeping retries a minute later; say so without any key data.
            console.warn(
              'Pocket KMS housekeeping failed; retrying in a minute:',
              (error as Error).name,
            );
          });
        };
        housekeeping();
        clearInterval(housekeepingTimer);
        housekeepingTimer = setInterval(housekeeping, HOUSEKEEPING_INTERVAL_MS);
        return kms;
      },
      (error: unknown) => {
        console.error('Pocket KMS could not open its vault:', error);
        throw new KmsError(
          'KMSInternalException',
          'The vault could not be opened: this browser does not allow IndexedDB storage for this page (private browsing, or site data blocked).',
        );
      },
    );
}

let ready = openVault();

/**
 * ResetSandbox: closes the sandbox vault, deletes its database and OPFS folder, and opens a fresh
 * one on a clock back at the system's time. Other tabs' sandbox cores are told to open it again.
 */
async function resetSandbox(): Promise<unknown> {
  const old = await ready.catch(() => undefined);
  views.clear();
  old?.close();
  ready = VaultStore.destroy(vaultName)
    .then(() => (opfsSyncAccessAvailable() ? removeOutputDirectory() : undefined))
    .then(openVault);
  const kms = await ready;
  resets?.postMessage(RESET);
  return kms.sandboxClock!(undefined).describeClock();
}

const RESET: VaultChange = { eventName: 'ResetSandbox', keyIds: [] };
/** The sandbox's cores only: the person's vault is never reset, and need not hear every change. */
const resets = sandbox ? new BroadcastChannel(vaultChangedChannel(vaultName)) : undefined;
if (resets) {
  resets.onmessage = (event: MessageEvent<VaultChange>) => {
    // Another tab's core started the sandbox over: this one's connection was closed for the
    // delete (vault-store.ts, blocking), so open the new vault.
    if (event.data.eventName !== RESET.eventName) return;
    views.clear();
    void ready.then((old) => old.close()).catch(() => undefined);
    ready = openVault();
  };
}

/** One view of the vault per caller user agent (a handful: the UI's two and the page's). */
const views = new Map<string | undefined, KmsApi>();

/**
 * The exposed object: one door, `invoke`, that runs exactly the KmsApi operations, each
 * forwarded to the vault once it is open, audited under the caller's user agent. Nothing else of
 * the vault (key handles, internal helpers) is reachable.
 */
const api: CoreWorkerApi = {
  async invoke(operation, userAgent, ...args) {
    const caller = typeof userAgent === 'string' ? userAgent : undefined;
    if (sandbox && (SANDBOX_OPERATIONS as readonly unknown[]).includes(operation)) {
      if (operation === 'resetSandbox') return resetSandbox();
      const clock = (await ready).sandboxClock!(caller);
      return (clock[operation as keyof typeof clock] as (...a: unknown[]) => unknown)(...args);
    }
    if (!(KMS_OPERATIONS as readonly unknown[]).includes(operation)) {
      throw new KmsError('ValidationException', 'That is not a Pocket KMS operation.');
    }
    const kms = await ready;
    let view = views.get(caller);
    if (!view) {
      view = kms.as(caller);
      if (views.size < 8) views.set(caller, view);
    }
    return (view[operation as KmsOperation] as (...a: unknown[]) => unknown)(...args);
  },
};

Comlink.expose(api);
