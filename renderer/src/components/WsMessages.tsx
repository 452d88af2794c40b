import type { LogEntry } from '../../../shared/log-entry.js';
import { base64Bytes, decodeBase64Text } from '../../../shared/har.js';
import { formatBytes } from '../lib/format-bytes.js';

/**
 * A WebSocket's messages, both directions, as the engine kept them (at most its limit, each cut to a
 * preview): time, direction, type, size and the start of the payload, as text.
 */
export function WsMessages({ entry }: { entry: LogEntry }) {
  const messages = entry.messages ?? [];
  return (
    <>
      <p className="muted ws-summary">
        {entry.wsState === 'open' ? 'Open' : 'Closed'} · {messages.length} message
        {messages.length === 1 ? '' : 's'}
        {entry.messagesDropped ? ` (${entry.messagesDropped} more not kept: the log's limit)` : ''}
      </p>
      {messages.length > 0 && (
        <table className="ws-messages">
          <thead>
            <tr>
              <th>Time</th>
              <th>Direction</th>
              <th>Type</th>
              <th>Size</th>
              <th>Data</th>
            </tr>
          </thead>
          <tbody>
            {messages.map((m, i) => (
              <tr key={i} className={m.direction}>
                <td>{new Date(m.time).toLocaleTimeString(undefined, { hour12: false })}</td>
                <td>{m.direction === 'sent' ? '↑ sent' : '↓ received'}</td>
                <td>{m.type}</td>
                <td>{formatBytes(m.size)}</td>
                <td className="ws-data">
                  {m.compressed ? <span className="muted">(compressed) </span> : null}
                  {preview(m.type, m.preview.base64)}
                  {m.preview.truncated ? <span className="muted"> …</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function preview(type: string, base64: string): string {
  if (type === 'text') return decodeBase64Text(base64);
  const bytes = base64Bytes(base64);
  if (type === 'close' && bytes.length >= 2)
    return `code ${(bytes[0]! << 8) | bytes[1]!} ${new TextDecoder().decode(bytes.subarray(2))}`.trim();
  return [...bytes.subarray(0, 64)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
