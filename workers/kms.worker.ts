/// <reference lib="webworker" />
/**
 * The core worker's entry: claims this tab's file-output directory and sweeps those of closed
 * tabs, opens the vault, runs housekeeping now and every minute, and exposes the one API object
 * (workers/api.ts) through Comlink. The UI reaches it only through src/kms/client.ts.
 */
import * as Comlink from 'comlink';
import { registerAbortSignalTransfer } from './abort-signal-transfer.ts';
import {
  KMS_OPERATIONS,
  vaultChangedChannel,
  type CoreWorkerApi,
  type KmsApi,
  type KmsOperation,
  type VaultChange,
} from './api.ts';
import { KmsError } from './errors.ts';
import {
  opfsSyncAccessAvailable,
  sweepAbandonedOutputs,
  watchEndedOwners,
} from './envelope/opfs-sink.ts';
import { DEFAULT_VAULT_NAME } from './keystore/vault-store.ts';
import { Kms } from './kms/kms.ts';

const HOUSEKEEPING_INTERVAL_MS = 60_000;

registerAbortSignalTransfer();

// What closed tabs left unfinished is removed; an open tab's outputs never (opfs-sink.ts).
if (opfsSyncAccessAvailable()) {
  sweepAbandonedOutputs().catch((error: unknown) => {
    console.warn('Pocket KMS could not remove earlier file outputs:', (error as Error).name);
  });
  // When another tab ends (closed, or the one this reload replaced), its finished outputs become
  // this tab's to list: say so, so the Files page lists them again.
  const changes = new BroadcastChannel(vaultChangedChannel(DEFAULT_VAULT_NAME));
  const ended: VaultChange = { eventName: 'FileOutputsChanged', keyIds: [] };
  watchEndedOwners(() => changes.postMessage(ended)).catch(() => undefined);
}

const ready = Kms.open().then(
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
    setInterval(housekeeping, HOUSEKEEPING_INTERVAL_MS);
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

/** One view of the vault per caller user agent (a handful: the UI's two and the page's). */
const views = new Map<string | undefined, KmsApi>();

/**
 * The exposed object: one door, `invoke`, that runs exactly the KmsApi operations, each
 * forwarded to the vault once it is open, audited under the caller's user agent. Nothing else of
 * the vault (key handles, internal helpers) is reachable.
 */
const api: CoreWorkerApi = {
  async invoke(operation, userAgent, ...args) {
    if (!(KMS_OPERATIONS as readonly unknown[]).includes(operation)) {
      throw new KmsError('ValidationException', 'That is not a Pocket KMS operation.');
    }
    const kms = await ready;
    const caller = typeof userAgent === 'string' ? userAgent : undefined;
    let view = views.get(caller);
    if (!view) {
      view = kms.as(caller);
      if (views.size < 8) views.set(caller, view);
    }
    return (view[operation as KmsOperation] as (...a: unknown[]) => unknown)(...args);
  },
};

Comlink.expose(api);
