/// <reference lib="webworker" />
/**
 * The core worker's entry: claims this tab's file-output directory and sweeps those of closed
 * tabs, opens the vault, runs housekeeping now and every minute, and exposes the one API object
 * (workers/api.ts) through Comlink. The UI reaches it only through src/kms/client.ts.
 */
import * as Comlink from 'comlink';
import { registerAbortSignalTransfer } from './abort-signal-transfer.ts';
import { KMS_OPERATIONS, type KmsApi } from './api.ts';
import { KmsError } from './errors.ts';
import { opfsSyncAccessAvailable, sweepAbandonedOutputs } from './envelope/opfs-sink.ts';
import { Kms } from './kms/kms.ts';

const HOUSEKEEPING_INTERVAL_MS = 60_000;

registerAbortSignalTransfer();

// Outputs of tabs that have closed are removed; an open tab's never (opfs-sink.ts, ownership).
if (opfsSyncAccessAvailable()) {
  sweepAbandonedOutputs().catch((error: unknown) => {
    console.warn('Pocket KMS could not remove earlier file outputs:', (error as Error).name);
  });
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

/**
 * The exposed object: exactly the KmsApi operations, each forwarded to the vault once it is
 * open. Nothing else of the Kms instance (key handles, internal helpers) is reachable.
 */
const api = Object.fromEntries(
  KMS_OPERATIONS.map((operation) => [
    operation,
    async (...args: unknown[]) => {
      const kms = await ready;
      return (kms[operation] as (...a: unknown[]) => unknown).apply(kms, args);
    },
  ]),
) as unknown as KmsApi;

Comlink.expose(api);
