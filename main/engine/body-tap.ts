import type { BodyPreview } from '../../shared/log-entry.js';
import type { PreviewArena } from './preview-arena.js';

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

  /**
   * The preview for the log: one copy of the bytes kept (releasing the sockets' buffers). Small ones are
   * base64 at once (cheaper than the deferral); larger ones make their text when first read.
   */
  preview(arena?: PreviewArena): BodyPreview | undefined {
    if (this.kept === 0) return undefined;
    if (this.kept <= EAGER_PREVIEW_BYTES || !arena || this.kept > arena.size) {
      const bytes = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.kept);
      return { base64: bytes.toString('base64'), truncated: this.truncated };
    }
    const { view, at } = arena.copy(this.chunks, this.kept);
    return lazyPreview(view, this.truncated, () => arena.intact(at));
  }
}

/** Previews up to this size are made into text at once (measured: cheaper per request than deferring). */
const EAGER_PREVIEW_BYTES = 4096;

/** How many base64 characters `bytes` bytes make: a preview's size in the log's budget, read or not. */
export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

const RAW: unique symbol = Symbol('preview bytes');

/**
 * A preview that holds its bytes (in the log's arena) and makes its base64 text when first read: most
 * previews are never read, and a 64 KiB body's text is 87 KB of string per response that the garbage
 * collector must then find (issue 16: 1 MiB bodies in bounded memory). `base64` is an own enumerable getter, so JSON, the
 * structured clone of IPC and spreads all see it as the plain field it stands for.
 */
export function lazyPreview(bytes: Buffer, truncated: boolean, intact: () => boolean): BodyPreview {
  let text: string | undefined;
  // A literal's getter is an own property, and far cheaper to make than Object.defineProperty's.
  return {
    truncated,
    get base64() {
      // Written over in the arena (the log dropped it long ago): gone, not another body's bytes.
      return (text ??= intact() ? bytes.toString('base64') : '');
    },
    [RAW]: bytes,
  } as BodyPreview;
}

/** A preview's size in base64 characters, without making the text. */
export function previewLength(p: BodyPreview | undefined): number {
  if (!p) return 0;
  const raw = (p as { [RAW]?: Buffer })[RAW];
  return raw ? base64Length(raw.length) : p.base64.length;
}
