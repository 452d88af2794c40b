/** One step of a routing decision, in words, so the log can say why a request went where it did. */
export interface TraceStep {
  kind:
    | 'override'
    | 'sticky'
    | 'condition'
    | 'strength'
    | 'weight'
    | 'chain'
    | 'rewrite'
    | 'instance'
    | 'no-route'
    /** Instances or routes skipped as unhealthy, and ejections. */
    | 'health'
    /** An injected fault: delay, abort, reset, bandwidth. */
    | 'fault'
    /** Time spent waiting for a target that refused connections (wait_for_upstream), and retries. */
    | 'wait'
    /** A mock route's answer, a CORS preflight, header rules. */
    | 'respond'
    | 'headers'
    | 'cors'
    /** Shadow copies sent (or skipped) for the request. */
    | 'shadow';
  text: string;
}

export interface BodyPreview {
  /** Base64 of the first bytes of the body. */
  base64: string;
  /** Whether the body was longer than the preview. */
  truncated: boolean;
}

/** One request as the request log keeps it. Everything in it came from a client or upstream: untrusted. */
export interface LogEntry {
  seq: number;
  /** Epoch milliseconds when the request arrived. */
  time: number;
  gateway: string;
  route?: string;
  target?: string;
  method: string;
  /** The path and query as the client sent them. */
  path: string;
  /** The path and query sent upstream, after normalisation and rewrites. */
  forwardedPath?: string;
  status: number;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
  clientIp: string;
  requestHeaders: Record<string, string | string[]>;
  responseHeaders: Record<string, string | string[]>;
  requestBody?: BodyPreview;
  responseBody?: BodyPreview;
  trace: TraceStep[];
  override: boolean;
  websocket: boolean;
  /** Set when the body previews were dropped to keep the log within its memory budget. */
  bodiesEvicted?: boolean;
  /** A WebSocket's state: `open` while the tunnel carries messages, `closed` after. */
  wsState?: 'open' | 'closed';
  /** A WebSocket's messages, oldest first, at most WS_MESSAGE_LIMIT of them (the log's budget). */
  messages?: WsMessage[];
  /** Messages that passed after the limit was reached: counted, not kept. */
  messagesDropped?: number;
  /** Why the request failed, when it did: the same words as the error response. */
  error?: string;
  /** Faults injected into the request: 'delay', 'abort', 'reset', 'bandwidth' (counted in stats). */
  faults?: string[];
  /** Milliseconds the request waited for a target that refused connections (wait_for_upstream). */
  waitedMs?: number;
  /** Shadow copies of this request and how their answers compared with this one (set when they finish). */
  shadows?: ShadowResult[];
  /** The Host (or HTTP/2 :authority) the client asked for. */
  host?: string;
  /** How the client spoke: `http/1.1`, `h2`, or `tcp` for a TCP gateway's connection. */
  protocol?: 'http/1.0' | 'http/1.1' | 'h2' | 'tcp';
  /** Set when the client connection was TLS. */
  tls?: boolean;
  /** A TCP connection's end: who closed it, or what failed (`client closed`, `upstream closed`, `connect failed: ...`). */
  closeCause?: string;
}

/** One shadow copy of a logged request: its answer, and the verdict of comparing it with the primary's. */
export interface ShadowResult {
  route: string;
  target?: string;
  /** `skipped`: not sent (a request body over the cap, too many shadows in flight, the primary failed). */
  verdict: 'same' | 'different' | 'error' | 'skipped';
  status?: number;
  durationMs?: number;
  /** One line: `same`, `2 differences: body:$.price, header:x-version`, or the error. */
  summary: string;
  differences?: ShadowDifference[];
  /** Differences suppressed by ignore rules and learned noise. */
  ignored?: number;
  responseHeaders?: Record<string, string | string[]>;
  responseBody?: BodyPreview;
  /** Noise learned from this request (paths two primary answers disagreed on). */
  learned?: string[];
}

/** Matches shared/compare/diff.ts's Difference. */
export interface ShadowDifference {
  path: string;
  kind: 'changed' | 'added' | 'removed';
  primary?: string;
  shadow?: string;
}

/** Messages kept per WebSocket connection, and bytes of each message's preview. */
export const WS_MESSAGE_LIMIT = 200;
export const WS_PREVIEW_BYTES = 1024;

/** One WebSocket message as it passed through the tunnel. */
export interface WsMessage {
  /** Epoch milliseconds. */
  time: number;
  /** `sent`: client to upstream; `received`: upstream to client. */
  direction: 'sent' | 'received';
  type: 'text' | 'binary' | 'close' | 'ping' | 'pong';
  /** Payload bytes of the whole message. */
  size: number;
  preview: BodyPreview;
  /** Compressed with permessage-deflate: the preview shows compressed bytes. */
  compressed?: boolean;
}
