/**
 * Lets an AbortSignal cross the worker boundary. Structured clone cannot copy a signal, so
 * Comlink serializes it as a MessagePort: the page side posts once on that port when its signal
 * aborts, and the worker side rebuilds a signal that aborts when the message arrives. Both the
 * client (src/kms/client.ts) and the worker entry (workers/kms.worker.ts) register it.
 */
import * as Comlink from 'comlink';

const ABORTED = 'aborted';

export function registerAbortSignalTransfer(): void {
  Comlink.transferHandlers.set('AbortSignal', {
    canHandle: (value: unknown): value is AbortSignal =>
      typeof AbortSignal !== 'undefined' && value instanceof AbortSignal,
    serialize(signal: AbortSignal): [MessagePort, Transferable[]] {
      const { port1, port2 } = new MessageChannel();
      const send = (): void => {
        port1.postMessage(ABORTED);
        port1.close();
      };
      if (signal.aborted) send();
      else signal.addEventListener('abort', send, { once: true });
      return [port2, [port2]];
    },
    deserialize(port: MessagePort): AbortSignal {
      const controller = new AbortController();
      port.onmessage = () => {
        controller.abort();
        port.close();
      };
      return controller.signal;
    },
  } satisfies Comlink.TransferHandler<AbortSignal, MessagePort>);
}
