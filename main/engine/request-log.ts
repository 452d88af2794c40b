import { previewLength } from './body-tap.js';
import { PreviewArena } from './preview-arena.js';
import { WS_MESSAGE_LIMIT, type LogEntry, type WsMessage } from '../../shared/log-entry.js';

export type LogSubscriber = (batch: readonly LogEntry[]) => void;

/**
 * A bounded ring buffer of requests with monotonic sequence numbers. Subscribers get appends in batches,
 * at most one batch per `batchMs`, so a burst of traffic costs one message, not thousands.
 * Body previews are also held to a byte budget: 10,000 entries of 64 KiB previews would be over a
 * gigabyte, so past the budget the oldest entries lose their previews (and say so) but keep the rest.
 */
export class RequestLog {
  private readonly ring: (LogEntry | undefined)[];
  private nextSeq = 1;
  private firstSeq = 1;
  private pending: LogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly subscribers = new Set<LogSubscriber>();
  /** Entries changed after they were added (a WebSocket's messages and end), told in the same batches. */
  private updated = new Set<LogEntry>();
  private readonly updateSubscribers = new Set<LogSubscriber>();
  /** Where large body previews are copied; the budget below (in base64 characters) keeps them inside it. */
  readonly arena: PreviewArena;
  private previewBytes = 0;
  /** The oldest entry that may still hold previews. */
  private evictFrom = 1;

  constructor(
    readonly capacity = 10_000,
    private readonly batchMs = 100,
    private readonly previewBudget = 32 * 1024 * 1024,
    /** The largest body preview the engine keeps (its previewBytes). */
    largestPreview = 64 * 1024,
  ) {
    this.ring = new Array<LogEntry | undefined>(capacity);
    this.arena = new PreviewArena(arenaSize(previewBudget, largestPreview));
  }

  /** Adds an entry, which the log takes as it is (given its number), not as a copy: one object per request. */
  append(entry: Omit<LogEntry, 'seq'>): LogEntry {
    const full = entry as LogEntry;
    full.seq = this.nextSeq++;
    const slot = (full.seq - 1) % this.capacity;
    const overwritten = this.ring[slot];
    if (overwritten) this.previewBytes -= previewSize(overwritten);
    this.ring[slot] = full;
    this.firstSeq = Math.max(this.firstSeq, this.nextSeq - this.capacity);
    this.previewBytes += previewSize(full);
    if (this.previewBytes > this.previewBudget) this.evictPreviews();
    if (this.subscribers.size) {
      this.pending.push(full);
      this.schedule();
    }
    return full;
  }

  /** Tells subscribers that an entry still in the log has changed (in the next batch). */
  touch(entry: LogEntry): void {
    if (this.get(entry.seq) !== entry || !this.updateSubscribers.size) return;
    this.updated.add(entry);
    this.schedule();
  }

  /**
   * Adds a WebSocket message to its entry, within the per-connection limit and the log's preview budget
   * (past the limit messages are counted, not kept).
   */
  addMessage(entry: LogEntry, message: WsMessage): void {
    if (this.get(entry.seq) !== entry) return;
    const messages = (entry.messages ??= []);
    if (messages.length >= WS_MESSAGE_LIMIT || entry.bodiesEvicted) {
      entry.messagesDropped = (entry.messagesDropped ?? 0) + 1;
    } else {
      messages.push(message);
      this.previewBytes += message.preview.base64.length;
      if (this.previewBytes > this.previewBudget) this.evictPreviews();
    }
    this.touch(entry);
  }

  /**
   * The entries `matches` accepts, oldest first, at most `limit`: the newest ones before `before`, or
   * with `after` the oldest ones after it. `more` says whether the scan stopped before the end.
   */
  find(
    matches: (e: LogEntry) => boolean,
    from: { after?: number; before?: number },
    limit: number,
  ): { entries: LogEntry[]; more: boolean } {
    const out: LogEntry[] = [];
    if (from.after !== undefined) {
      let seq = Math.max(from.after + 1, this.firstSeq);
      for (; seq < this.nextSeq && out.length < limit; seq++) {
        const e = this.ring[(seq - 1) % this.capacity];
        if (e && matches(e)) out.push(e);
      }
      return { entries: out, more: seq < this.nextSeq };
    }
    let seq = Math.min(from.before ?? this.nextSeq, this.nextSeq) - 1;
    for (; seq >= this.firstSeq && out.length < limit; seq--) {
      const e = this.ring[(seq - 1) % this.capacity];
      if (e && matches(e)) out.push(e);
    }
    return { entries: out.reverse(), more: seq >= this.firstSeq };
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), this.batchMs).unref();
  }

  /** The sequence number of the newest entry (0 when none was ever added). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Entries with seq > after, oldest first, at most `limit`. */
  page(after: number, limit = 100): LogEntry[] {
    const out: LogEntry[] = [];
    for (let seq = Math.max(after + 1, this.firstSeq); seq < this.nextSeq && out.length < limit; seq++) {
      const e = this.ring[(seq - 1) % this.capacity];
      if (e) out.push(e);
    }
    return out;
  }

  /**
   * The newest `limit` entries with seq < before (default: all), oldest first: where a viewer opens the
   * log, and how it pages back through older entries.
   */
  pageBefore(before: number, limit = 100): LogEntry[] {
    const end = Math.min(before, this.nextSeq);
    const start = Math.max(this.firstSeq, end - limit);
    const out: LogEntry[] = [];
    for (let seq = start; seq < end; seq++) {
      const e = this.ring[(seq - 1) % this.capacity];
      if (e) out.push(e);
    }
    return out;
  }

  /** The sequence number of the oldest entry the log still holds (lastSeq + 1 when it is empty). */
  get oldestSeq(): number {
    return this.firstSeq;
  }

  get(seq: number): LogEntry | undefined {
    if (seq < this.firstSeq || seq >= this.nextSeq) return undefined;
    return this.ring[(seq - 1) % this.capacity];
  }

  /** Forgets every entry; sequence numbers keep counting so clients never see one reused. */
  clear(): void {
    this.ring.fill(undefined);
    this.firstSeq = this.nextSeq;
    this.evictFrom = this.nextSeq;
    this.previewBytes = 0;
    this.pending = [];
    this.updated.clear();
  }

  private evictPreviews(): void {
    this.evictFrom = Math.max(this.evictFrom, this.firstSeq);
    while (this.previewBytes > this.previewBudget && this.evictFrom < this.nextSeq) {
      const e = this.ring[(this.evictFrom++ - 1) % this.capacity];
      const size = e ? previewSize(e) : 0;
      if (!e || size === 0) continue;
      this.previewBytes -= size;
      // Set to undefined, never deleted: `delete` turns the entry into a hash table, 2.4x its size, and
      // under large bodies nearly every entry loses its previews (issue 16). Only keys the entry has: every
      // entry has a responseBody key, only those with a request body a requestBody.
      if (e.requestBody) e.requestBody = undefined;
      e.responseBody = undefined;
      if (e.messages) {
        e.messagesDropped = (e.messagesDropped ?? 0) + e.messages.length;
        e.messages = undefined;
      }
      e.bodiesEvicted = true;
    }
  }

  subscribe(fn: LogSubscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** Entries changed after they were added, batched with the appends (after them). */
  subscribeUpdates(fn: LogSubscriber): () => void {
    this.updateSubscribers.add(fn);
    return () => this.updateSubscribers.delete(fn);
  }

  /** Delivers what is pending now (also used on shutdown so no line is lost). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length) for (const fn of this.subscribers) fn(batch);
    if (!this.updated.size) return;
    const changed = [...this.updated];
    this.updated.clear();
    for (const fn of this.updateSubscribers) fn(changed);
  }
}

/**
 * The ring that holds every preview the budget keeps: the budget counts base64 characters (4 for 3
 * bytes) and the ring raw bytes, plus room for the tail a wrap skips (less than one preview). At the
 * default budget that is 24 MiB and 64 KiB, all of it resident once large bodies flow: most of the log's
 * memory under 1 MiB responses (issue 16: peak RSS < 200 MB with previews on).
 */
function arenaSize(budget: number, largestPreview: number): number {
  return Math.ceil((budget * 3) / 4) + largestPreview;
}

function previewSize(e: LogEntry): number {
  let size = previewLength(e.requestBody) + previewLength(e.responseBody);
  for (const m of e.messages ?? []) size += m.preview.base64.length;
  return size;
}
