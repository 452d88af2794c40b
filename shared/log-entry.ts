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
    | 'cors';
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
