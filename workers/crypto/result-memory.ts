/**
 * Lets go of a WebCrypto result's memory at once, instead of at the next garbage collection.
 *
 * Every AES-GCM call makes a new ArrayBuffer for its result. Left to the garbage collector, a
 * file's results pile up by the thousand between collections and are freed in bulk; the
 * allocator then hands the emptied memory back to the system, and every later result lands on
 * pages touched for the first time — a page fault for every 4 KiB, which on the machines measured
 * cost more than the cipher itself (docs/ARCHITECTURE.md "File outputs"). A result freed as soon
 * as it has been written, and small enough for the allocator to keep such memory at hand (up to
 * 48 KiB in Chromium, measured: a result of 64 KiB is new memory each time however soon it is
 * freed), is reused for the next one: the faults go away.
 *
 * Nothing in the platform frees an ArrayBuffer on request — `ArrayBuffer.prototype.transfer(0)`
 * detaches the script's handle, but Chromium's own reference keeps the memory until the next
 * collection (measured: no fewer faults). Transferring the buffer in a message does move that
 * reference: posted to a port whose other end is closed, the message is dropped, and the memory
 * freed with it. Buffers are posted a few at a time, so one message carries several.
 */
import type { Bytes } from './bytes.ts';

/** Results let go of in one message. */
const PER_MESSAGE = 16;

let port: MessagePort | undefined;
const held: ArrayBuffer[] = [];

/**
 * Frees the buffer under `bytes` (now, or with the next few). Only for a buffer nothing else
 * holds — a WebCrypto result, written and done with: the buffer is detached, and every view of
 * it reads as empty from here on. A view of part of a buffer is left alone.
 */
export function releaseResult(bytes: Bytes): void {
  if (typeof MessageChannel === 'undefined') return;
  const { buffer } = bytes;
  if (!(buffer instanceof ArrayBuffer) || bytes.byteOffset !== 0) return;
  if (bytes.byteLength !== buffer.byteLength || buffer.byteLength === 0) return;
  held.push(buffer);
  if (held.length < PER_MESSAGE) return;
  if (!port) {
    const channel = new MessageChannel();
    channel.port2.close();
    port = channel.port1;
  }
  port.postMessage(null, held.splice(0));
}
