/**
 * Holds a response to a bandwidth (the `faults.bandwidth` fault): bytes are written in slices of about
 * 50 ms each, every slice when the time for all bytes up to its end has come. Time is measured from the
 * first byte, so a late timer is made up by the next slices rather than lost.
 */
export class Throttle {
  private readonly queue: Buffer[] = [];
  private sent = 0;
  private start = 0;
  private timer: NodeJS.Timeout | undefined;
  private ending = false;
  private readonly slice: number;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly write: (chunk: Buffer) => void,
    private readonly end: () => void,
    /** Called when the queue is empty again (to resume the upstream). */
    private readonly drained: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.slice = Math.max(1, Math.floor(bytesPerSecond / 20));
  }

  /** Queues a chunk; returns false while the queue holds data (the caller pauses the upstream). */
  push(chunk: Buffer): boolean {
    if (!this.start) this.start = this.now();
    this.queue.push(chunk);
    this.pump();
    return this.queue.length === 0;
  }

  finish(): void {
    this.ending = true;
    this.pump();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private pump(): void {
    if (this.timer) return;
    while (this.queue.length) {
      const head = this.queue[0] as Buffer;
      const n = Math.min(this.slice, head.length);
      const due = this.start + ((this.sent + n) / this.bytesPerSecond) * 1000;
      const wait = due - this.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      this.write(head.subarray(0, n));
      this.sent += n;
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
      // Resumed outside the loop: the upstream may hand over its next chunk at once.
      if (!this.queue.length) queueMicrotask(this.drained);
    }
    if (this.ending) {
      this.ending = false;
      this.end();
    }
  }
}
