import { useEffect, useState, type InputHTMLAttributes } from 'react';

/**
 * A text box whose text is a draft until Enter or leaving it: only text `check` accepts reaches
 * `onCommit` (otherwise its message shows beside the box), and Escape puts back the running value. Live
 * values (weights, faults) go through it so that "3" on the way to "35" is never applied.
 */
export function DraftInput({
  value,
  errorId,
  boxClass,
  errorClass,
  check,
  onCommit,
  ...input
}: {
  value: string;
  errorId: string;
  boxClass: string;
  errorClass: string;
  /** Why the text cannot be committed, or undefined when it can. */
  check: (text: string) => string | undefined;
  onCommit: (text: string) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'onKeyDown' | 'onBlur'>) {
  const [draft, setDraft] = useState<string>();
  const [error, setError] = useState<string>();
  // A value changed elsewhere (another client, a slider) makes an old complaint moot.
  useEffect(() => setError(undefined), [value]);
  const commit = (): boolean => {
    if (draft === undefined) return true;
    const text = draft.trim();
    const why = check(text);
    if (why) {
      setError(why);
      return false;
    }
    setDraft(undefined);
    setError(undefined);
    if (text !== value) onCommit(text);
    return true;
  };
  const cancel = () => {
    setDraft(undefined);
    setError(undefined);
  };
  return (
    <span className={boxClass}>
      <input
        type="text"
        {...input}
        aria-invalid={!!error}
        aria-describedby={error ? errorId : undefined}
        value={draft ?? value}
        onChange={(e) => {
          setDraft(e.currentTarget.value);
          setError(undefined);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          else if (e.key === 'Escape') cancel();
        }}
        onBlur={() => {
          if (!commit()) cancel();
        }}
      />
      {error && (
        <span id={errorId} className={`field-error ${errorClass}`} role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
