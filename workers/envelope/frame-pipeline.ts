/**
 * Keeps a few frames in flight and delivers them in order. Reading a slice of the input, the
 * AES-GCM call and the write to the output each wait on something different (the blob store,
 * WebCrypto's own threads, the disk); with one frame at a time they add up, with a few in
 * flight they overlap. Delivery stays strictly in sequence, so the output is written front to
 * back exactly as before, and a frame's bytes are delivered only after its own work succeeded.
 *
 * Memory stays bounded: at most `depth` frames are held (4 × a 4 MiB frame at the largest).
 */
export const PIPELINE_DEPTH = 4;

export class FramePipeline<T> {
  private readonly inFlight: Promise<T>[] = [];
  /** Set when a frame's own work failed on delivery: that failure is the first in file order. */
  private failedInOrder = false;

  constructor(
    private readonly deliver: (value: T) => unknown,
    private readonly depth = PIPELINE_DEPTH,
  ) {}

  /** Adds one frame's work; once `depth` are in flight, delivers the oldest. */
  async push(work: Promise<T>): Promise<void> {
    work.catch(() => undefined); // observed when delivered, or by firstFailure
    this.inFlight.push(work);
    while (this.inFlight.length >= this.depth) await this.deliverOldest();
  }

  /** Delivers everything still in flight, in order. */
  async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.deliverOldest();
  }

  /**
   * After a failure found further along (a later frame's header, say): rejects with the earliest
   * failure among the frames still in flight, if any — errors are reported in file order — and
   * otherwise resolves. Nothing is delivered. Resolves at once if the failure was one of this
   * pipeline's own frames (delivery found it, in order).
   */
  async firstFailure(): Promise<void> {
    const pending = this.inFlight.splice(0);
    if (this.failedInOrder) return;
    for (const work of pending) await work;
  }

  private async deliverOldest(): Promise<void> {
    let value: T;
    try {
      value = await this.inFlight.shift()!;
    } catch (error) {
      this.failedInOrder = true;
      throw error;
    }
    await this.deliver(value);
  }
}
