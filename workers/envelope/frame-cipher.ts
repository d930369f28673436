/**
 * Where a file's frames are sealed and opened (issue 14 §2): in the frame worker
 * (workers/frame.worker.ts), a thread beside the core worker's, or in the core worker itself.
 *
 * Every WebCrypto AES-GCM call runs on the thread that makes it, and its result is new memory,
 * which on some machines costs more than the cipher (docs/ARCHITECTURE.md "File outputs"). With
 * the frames sealed in the frame worker, the core worker's thread reads and writes while the
 * frame worker's seals. A frame crosses without a copy of its own: its bytes are copied into a
 * buffer of a small pool, which is transferred there and back with each frame, and the result is
 * transferred back. The content key is cloned to the frame worker for the job and forgotten
 * after it; like every CryptoKey here it is non-extractable, and the frame worker is reachable
 * only from the core worker.
 *
 * A cipher takes what it needs from its arguments before it returns (the core's reader reuses
 * its buffer at the next read), as WebCrypto does.
 */
import { aesGcmDecrypt, aesGcmEncrypt, type Bytes } from '../crypto/aes-gcm.ts';

export interface FrameCipher {
  /** Where the frames go: the frame worker, or the calling thread. */
  readonly thread: 'frame worker' | 'caller';
  /** Ciphertext ‖ tag. */
  seal(iv: Bytes, plaintext: Bytes, additionalData: Bytes): Promise<Bytes>;
  /** The plaintext, or null when the tag does not verify (as aesGcmDecrypt). */
  open(iv: Bytes, sealed: Bytes, additionalData: Bytes): Promise<Bytes | null>;
  /** Done with the key. */
  close(): void;
}

/** Messages to the frame worker. */
export type FrameRequest =
  | { kind: 'key'; job: number; key: CryptoKey }
  | { kind: 'forget'; job: number }
  | {
      kind: 'frame';
      id: number;
      job: number;
      operation: 'seal' | 'open';
      iv: Bytes;
      additionalData: Bytes;
      buffer: ArrayBuffer;
      length: number;
    };

/** The frame worker's answer to a frame: its buffer back, and the result or the error's name. */
export interface FrameReply {
  id: number;
  buffer: ArrayBuffer;
  result?: Bytes | null;
  error?: { name: string; message: string };
}

/** Below this many bytes a message is sealed or opened in the core worker: nothing to overlap. */
export const FRAME_WORKER_MIN_BYTES = 8 * 1024 * 1024;
/**
 * Frames up to this long are sealed and opened in the core worker whatever the message's size:
 * their results are memory the allocator reuses once let go of (crypto/result-memory.ts), so
 * AES-GCM costs little there, and a message per frame to the frame worker would cost more.
 */
export const LOCAL_FRAME_MAX_BYTES = 32 * 1024;
/** Frame buffers kept for the next frames: more than the pipeline keeps in flight. */
const POOL_SIZE = 8;
/** A larger buffer (a large non-framed body's) is not kept. */
const POOL_MAX_BUFFER_BYTES = 16 * 1024 * 1024;

/** AES-GCM with `key` in this thread. */
export function localFrameCipher(key: CryptoKey): FrameCipher {
  return {
    thread: 'caller',
    seal: (iv, plaintext, additionalData) => aesGcmEncrypt(key, iv, plaintext, additionalData),
    open: (iv, sealed, additionalData) => aesGcmDecrypt(key, iv, sealed, additionalData),
    close: () => undefined,
  };
}

/**
 * The cipher for a message of `messageBytes` in frames of `frameLength`: the frame worker's for a
 * large one of large frames where it starts, this thread's otherwise.
 */
export async function frameCipher(
  key: CryptoKey,
  messageBytes: number,
  frameLength: number,
): Promise<FrameCipher> {
  if (messageBytes < FRAME_WORKER_MIN_BYTES || frameLength <= LOCAL_FRAME_MAX_BYTES) {
    return localFrameCipher(key);
  }
  const worker = await frameWorker();
  return worker ? worker.cipher(key) : localFrameCipher(key);
}

let started: Promise<FrameWorker | undefined> | undefined;

/** The one frame worker, started at first use; undefined where it cannot start. */
function frameWorker(): Promise<FrameWorker | undefined> {
  started ??= FrameWorker.start();
  return started;
}

class FrameWorker {
  private nextId = 1;
  private nextJob = 1;
  private readonly pending = new Map<
    number,
    { resolve: (result: Bytes | null) => void; reject: (error: Error) => void }
  >();
  private readonly pool: ArrayBuffer[] = [];
  /** Set when the frame worker stopped: a job still running gets it for every later frame. */
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.onmessage = ({ data }: MessageEvent<FrameReply>) => this.answer(data);
    worker.onerror = () =>
      this.fail(new DOMException('the frame worker stopped', 'OperationError'));
  }

  /** Resolves once the script has loaded and runs; undefined if it cannot (no nested workers). */
  static start(): Promise<FrameWorker | undefined> {
    if (typeof Worker === 'undefined') return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let worker: Worker;
      try {
        worker = new Worker(new URL('../frame.worker.ts', import.meta.url), {
          type: 'module',
          name: 'pocket-kms-frames',
        });
      } catch {
        resolve(undefined);
        return;
      }
      worker.onmessage = () => resolve(new FrameWorker(worker));
      worker.onerror = (event) => {
        event.preventDefault();
        worker.terminate();
        started = undefined; // tried again at the next large message
        resolve(undefined);
      };
    });
  }

  cipher(key: CryptoKey): FrameCipher {
    const job = this.nextJob++;
    this.post({ kind: 'key', job, key });
    return {
      thread: 'frame worker',
      seal: (iv, plaintext, additionalData) =>
        this.frame(job, 'seal', iv, plaintext, additionalData) as Promise<Bytes>,
      open: (iv, sealed, additionalData) => this.frame(job, 'open', iv, sealed, additionalData),
      close: () => this.post({ kind: 'forget', job }),
    };
  }

  private frame(
    job: number,
    operation: 'seal' | 'open',
    iv: Bytes,
    bytes: Bytes,
    additionalData: Bytes,
  ): Promise<Bytes | null> {
    if (this.failure) return Promise.reject(this.failure);
    const index = this.pool.findIndex((buffer) => buffer.byteLength >= bytes.length);
    const buffer =
      index >= 0 ? this.pool.splice(index, 1)[0]! : new ArrayBuffer(Math.max(bytes.length, 1));
    new Uint8Array(buffer).set(bytes);
    const id = this.nextId++;
    const result = new Promise<Bytes | null>((resolve, reject) =>
      this.pending.set(id, { resolve, reject }),
    );
    // The IV and AAD are copied: a view is cloned with the whole buffer it views.
    this.post(
      {
        kind: 'frame',
        id,
        job,
        operation,
        iv: iv.slice(),
        additionalData: additionalData.slice(),
        buffer,
        length: bytes.length,
      },
      [buffer],
    );
    return result;
  }

  private answer({ id, buffer, result, error }: FrameReply): void {
    if (this.pool.length < POOL_SIZE && buffer.byteLength <= POOL_MAX_BUFFER_BYTES) {
      this.pool.push(buffer);
    }
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    if (error) waiting.reject(new DOMException(error.message, error.name));
    else waiting.resolve(result ?? null);
  }

  /** Every frame still waiting fails; the next large message starts a new frame worker. */
  private fail(error: Error): void {
    this.failure = error;
    started = undefined;
    this.worker.terminate();
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  private post(message: FrameRequest, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }
}
