/**
 * The memory that large body previews are copied into: one ring, allocated on first use, so a busy
 * gateway's previews cost no allocation and leave no garbage per response (with 1 MiB bodies, a 64 KiB
 * buffer per response was 40 MB/s of garbage, and a sixth of the CPU went to collecting it; issue 16).
 * The log sizes the ring so that every preview its budget keeps fits (arenaSize in request-log.ts), and
 * drops the oldest previews first, the order they were written in. A preview the ring has since written
 * over reads as gone, never as another body's bytes.
 */
export class PreviewArena {
  private memory: Buffer | undefined;
  private head = 0;
  /** Bytes written since the start (with the tails skipped at each wrap): a position on an endless tape. */
  private written = 0;

  constructor(readonly size: number) {}

  /** Copies `chunks` (`n` bytes in all, at most `size`) in; the copy and its place on the tape. */
  copy(chunks: readonly Buffer[], n: number): { view: Buffer; at: number } {
    this.memory ??= Buffer.allocUnsafeSlow(this.size);
    if (this.head + n > this.size) {
      this.written += this.size - this.head;
      this.head = 0;
    }
    const at = this.written;
    let offset = this.head;
    for (const chunk of chunks) offset += chunk.copy(this.memory, offset);
    const view = this.memory.subarray(this.head, this.head + n);
    this.head += n;
    this.written += n;
    return { view, at };
  }

  /** Whether what was written at `at` is still there: the ring has not come round to it again. */
  intact(at: number): boolean {
    return this.written <= at + this.size;
  }
}
