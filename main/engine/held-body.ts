import { PassThrough, type Readable } from 'node:stream';

/**
 * A request body held while the gateway waits for a target that refuses connections (wait_for_upstream):
 * what has arrived is kept, up to a cap, so that each new attempt gets the body from its first byte. Past
 * the cap the body can no longer be replayed and the wait ends. Nothing is kept once the upstream answers.
 */
export class HeldBody {
  private kept: Buffer[] | undefined = [];
  private keptBytes = 0;
  private ended = false;
  private current: PassThrough | undefined;
  private failed: Error | undefined;

  constructor(
    private readonly source: Readable,
    private readonly cap: number,
  ) {
    source.on('data', (chunk: Buffer) => {
      if (this.kept) {
        this.keptBytes += chunk.length;
        if (this.keptBytes > this.cap) this.kept = undefined;
        else this.kept.push(chunk);
      }
      const out = this.current;
      if (out && !out.write(chunk)) {
        source.pause();
        out.once('drain', () => this.current === out && source.resume());
      }
    });
    source.on('end', () => {
      this.ended = true;
      this.current?.end();
    });
    source.on('error', (err) => {
      this.failed = err;
      this.current?.destroy(err);
    });
  }

  /** Whether a new attempt can still send the whole body. */
  get replayable(): boolean {
    return this.kept !== undefined && !this.failed;
  }

  /** A stream for the next attempt: what was kept, then the rest as it arrives. */
  attempt(): PassThrough {
    this.detach();
    const out = new PassThrough();
    out.on('error', () => undefined);
    for (const chunk of this.kept ?? []) out.write(chunk);
    this.current = out;
    if (this.failed) out.destroy(this.failed);
    else if (this.ended) out.end();
    else this.source.resume();
    return out;
  }

  /** The attempt failed: stop feeding it (the source waits, paused, for the next one). */
  detach(): void {
    const old = this.current;
    this.current = undefined;
    this.source.pause();
    if (old && !old.destroyed) old.destroy();
  }

  /** The upstream answered: the body will not be sent again. */
  release(): void {
    this.kept = undefined;
  }
}
