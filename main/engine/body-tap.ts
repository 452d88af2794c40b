import type { BodyPreview } from '../../shared/log-entry.js';

/** Keeps the first `limit` bytes of a stream that flows past it; never holds the stream back. */
export class BodyTap {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (this.kept >= this.limit) {
      this.truncated = true;
      return;
    }
    const room = this.limit - this.kept;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.truncated = true;
    // Kept by reference, not copied: sockets (Node's and undici's parsers) hand out a new buffer for each
    // read and nothing writes into one afterwards, and the tap is read once the exchange ends, so the
    // only copy a preview costs is the preview itself (issue 16: 1 MiB bodies in bounded memory).
    this.chunks.push(part);
    this.kept += part.length;
  }

  /** Whether more came than was kept. */
  get overflowed(): boolean {
    return this.truncated;
  }

  /** The bytes kept, as a buffer of their own. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.kept);
  }

  preview(): BodyPreview | undefined {
    if (this.kept === 0) return undefined;
    const only = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.kept);
    return { base64: only.toString('base64'), truncated: this.truncated };
  }
}
