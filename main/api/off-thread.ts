import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parse as parseYaml } from 'yaml';
import { loadConfigText } from '../../shared/config/load.js';
import type { NormalizeResult } from '../../shared/config/normalize.js';
import { fromHar, harRequests } from '../../shared/har.js';

/** What the parse worker can do. */
export type ParseTask =
  | { kind: 'config'; text: string }
  | { kind: 'yaml'; text: string }
  | { kind: 'json'; text: string }
  | { kind: 'har-entries'; text: string | Uint8Array; gateway?: string | undefined }
  | { kind: 'har-requests'; text: string | Uint8Array };

export type WorkerMessage =
  | { type: 'batch'; items: unknown[] }
  | { type: 'result'; value: unknown }
  | { type: 'error'; message: string; where: string };

/**
 * Below this size a text is parsed where it is (a worker costs tens of milliseconds to start); above it,
 * in a worker, because the YAML parser is quadratic in places (20,000 keys in one map take seconds).
 */
const INLINE_LIMIT = 16 * 1024;
/** A configuration or a HAR file that takes longer than this is not one anyone means to send. */
const TIME_LIMIT_MS = 10_000;

/** A text that does not parse; `where` is " (line L, column C)" when the parser knows. */
export class ParseError extends Error {
  constructor(
    message: string,
    readonly where = '',
  ) {
    super(message);
  }
}

/** The first line of a parser's message, and its position when it has one. */
export function parseFailure(err: unknown): { message: string; where: string } {
  const pos = (err as { linePos?: { line: number; col: number }[] })?.linePos?.[0];
  const message = ((err as Error)?.message ?? String(err)).split('\n')[0]!;
  return { message, where: pos ? ` (line ${pos.line}, column ${pos.col})` : '' };
}

/** A configuration from YAML text, loaded without blocking the engine. */
export function loadConfigOffThread(text: string): Promise<NormalizeResult> {
  if (text.length <= INLINE_LIMIT) return Promise.resolve(loadConfigText(text));
  return runTask(
    { kind: 'config', text },
    inline(() => loadConfigText(text)),
  ) as Promise<NormalizeResult>;
}

/** A request body as YAML or JSON; throws ParseError with the parser's message. */
export function parseBodyOffThread(text: string, json: boolean): Promise<unknown> {
  const parse = () => (json ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown));
  // JSON.parse is linear and fast: only very large JSON goes to a worker.
  if (text.length <= (json ? 1024 * 1024 : INLINE_LIMIT)) return inline(parse)();
  return runTask({ kind: json ? 'json' : 'yaml', text }, inline(parse));
}

/**
 * The entries (or the requests) of a HAR file, handed to `onBatch` a few hundred at a time with a turn
 * of the event loop between batches; resolves with their count.
 */
export function harOffThread(
  task: Extract<ParseTask, { kind: 'har-entries' | 'har-requests' }>,
  onBatch: (items: unknown[]) => void,
): Promise<number> {
  const fallback = inline(() => {
    const har = JSON.parse(textOf(task.text)) as unknown;
    const items = task.kind === 'har-entries' ? fromHar(har, task.gateway) : harRequests(har);
    onBatch(items);
    return items.length;
  });
  return runTask(task, fallback, onBatch) as Promise<number>;
}

/** Bytes are decoded as UTF-8 where they are parsed (in the worker), not on the engine's thread. */
export function textOf(text: string | Uint8Array): string {
  return typeof text === 'string' ? text : new TextDecoder().decode(text);
}

const inline = (fn: () => unknown) => () => {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    const { message, where } = parseFailure(err);
    return Promise.reject(new ParseError(message, where));
  }
};

/** Bytes that own their whole buffer move to the worker instead of being copied. */
function transferable(task: ParseTask): ArrayBuffer[] {
  const t = task.text;
  if (typeof t === 'string' || !(t.buffer instanceof ArrayBuffer)) return [];
  return t.byteOffset === 0 && t.byteLength === t.buffer.byteLength ? [t.buffer] : [];
}

/** The worker script: beside this module when built; from dist/ when this module runs as TypeScript (tests). */
function workerScript(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, 'parse-worker.js'),
    path.resolve(here, '../../dist/main/api/parse-worker.js'),
  ];
  return candidates.find((file) => existsSync(file));
}

function runTask(
  task: ParseTask,
  fallback: () => Promise<unknown>,
  onBatch?: (items: unknown[]) => void,
): Promise<unknown> {
  const script = workerScript();
  if (!script) return fallback();
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(script, {
        workerData: task,
        transferList: transferable(task),
        resourceLimits: { maxOldGenerationSizeMb: 1024 },
      });
    } catch {
      return void fallback().then(resolve, reject);
    }
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(
      () =>
        settle(() => reject(new ParseError(`parsing took longer than ${TIME_LIMIT_MS / 1000} s; gave up`))),
      TIME_LIMIT_MS,
    );
    // Batches are handled one per turn of the event loop, so a large file never holds the engine.
    let queue = Promise.resolve();
    let done = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'batch') {
        queue = queue.then(
          () =>
            new Promise<void>((next) =>
              setImmediate(() => {
                onBatch?.(m.items);
                next();
              }),
            ),
        );
      } else if (m.type === 'result') {
        done = true;
        void queue.then(() => settle(() => resolve(m.value)));
      } else settle(() => reject(new ParseError(m.message, m.where)));
    });
    worker.on('error', (err) => settle(() => reject(new ParseError(`the parser failed: ${err.message}`))));
    worker.on('exit', (code) => {
      if (!done) settle(() => reject(new ParseError(`the parser stopped (exit ${code}) before it finished`)));
    });
  });
}
