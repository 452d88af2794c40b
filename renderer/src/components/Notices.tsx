import { useAppStore } from '../store/app-store.js';

/**
 * Notices, shown at the top right of the request log's rows (never over a toolbar, nor over the details
 * beside the rows: their box is inside the rows' column). A notice with a list of problems expands to
 * show every one.
 */
export function Notices() {
  const notices = useAppStore((s) => s.notices);
  const dismiss = useAppStore((s) => s.dismiss);
  return (
    <div className="notices" aria-live="assertive">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <div className="notice-text">
            <span>{n.text}</span>
            {n.details && (
              <details>
                <summary>All {n.details.length} problems</summary>
                <ul>
                  {n.details.map((d, i) => (
                    <li key={i}>{d}</li>
                  ))}
                </ul>
              </details>
            )}
          </div>
          {n.action && (
            <button
              onClick={() => {
                n.action!.run();
                dismiss(n.id);
              }}
            >
              {n.action.label}
            </button>
          )}
          <button aria-label="Dismiss" className="ghost" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
