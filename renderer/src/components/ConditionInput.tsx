import { useEffect, useMemo, useRef, useState } from 'react';
import {
  ConditionSyntaxError,
  explainCondition,
  parseCondition,
  USER_AGENT_ALIASES,
} from '../../../shared/conditions/index.js';

const KEYWORDS = /^(and|or|not|&&|\|\||!|&|\|)$/i;
const OPERANDS = /^(user-agent|useragent|host|path|method|cookie|header|query|has|misses|true|false)$/i;
const OPERATORS = /^(==|!=|=|is|has|contains|misses|starts-with|ends-with|matches)$/i;
const SUGGESTIONS = [
  'user-agent == ',
  'host == ',
  'path starts-with ',
  'path ends-with ',
  'path matches ',
  'method == ',
  'has cookie ',
  'misses cookie ',
  'cookie NAME has ',
  'has header ',
  'header NAME has ',
  'query NAME == ',
  'and ',
  'or ',
  'not ',
  ...Object.values(USER_AGENT_ALIASES).map((a) => a.label.split(' ')[0] as string),
].filter((v, i, all) => all.indexOf(v) === i);

/** How long typing pauses before a syntax error is shown (it is also shown on leaving the field). */
const SETTLE_MS = 800;

/**
 * The condition field: the text is highlighted by token, completion offers operands and browser
 * aliases (Enter or a click takes one; Tab moves on as usual), and the parsed condition is shown in
 * words (the engine's own explain) or, once the user pauses or leaves the field, its syntax error with
 * the column: half a condition is not an error yet.
 */
export function ConditionInput(props: {
  id: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  /** Stored conditions (name -> definition) a route may name instead of writing one. */
  named?: Readonly<Record<string, string>>;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [focused, setFocused] = useState(false);
  const [active, setActive] = useState(0);
  const named = props.named ?? NONE;
  const parsed = useMemo(() => describe(props.value, named), [props.value, named]);
  const [settled, setSettled] = useState(true);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(true), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [props.value]);
  const error = settled || !focused ? (props.error ?? parsed.error) : undefined;
  const word = currentWord(props.value, input.current?.selectionStart ?? props.value.length);
  const matches =
    focused && word.length > 0
      ? [...Object.keys(named), ...SUGGESTIONS]
          .filter(
            (s) =>
              s.toLowerCase().startsWith(word.toLowerCase()) && s.trim().toLowerCase() !== word.toLowerCase(),
          )
          .slice(0, 6)
      : [];

  const accept = (suggestion: string) => {
    const at = input.current?.selectionStart ?? props.value.length;
    const start = at - word.length;
    props.onChange(props.value.slice(0, start) + suggestion + props.value.slice(at));
    setActive(0);
    input.current?.focus();
  };

  return (
    <div className="condition">
      <div className="condition-box">
        <div className="condition-highlight" aria-hidden="true">
          {tokens(props.value).map((t, i) => (
            <span key={i} className={`tok-${t.kind}`}>
              {t.text}
            </span>
          ))}
        </div>
        <input
          ref={input}
          id={props.id}
          className="condition-input"
          value={props.value}
          spellCheck={false}
          autoComplete="off"
          placeholder="e.g. user-agent == Firefox and has cookie beta"
          aria-invalid={!!error}
          aria-describedby={`${props.id}-explain`}
          onFocus={() => setFocused(true)}
          onBlur={() => setTimeout(() => setFocused(false), 150)}
          onChange={(e) => {
            setSettled(false);
            props.onChange(e.currentTarget.value);
          }}
          onKeyDown={(e) => {
            if (!matches.length) return;
            if (e.key === 'ArrowDown') setActive((a) => (a + 1) % matches.length);
            else if (e.key === 'ArrowUp') setActive((a) => (a + matches.length - 1) % matches.length);
            else if (e.key === 'Enter') accept(matches[active] ?? matches[0]!);
            else return;
            e.preventDefault();
          }}
        />
        {matches.length > 0 && (
          <ul className="completions" role="listbox">
            {matches.map((m, i) => (
              <li
                key={m}
                role="option"
                aria-selected={i === active}
                onMouseDown={(e) => (e.preventDefault(), accept(m))}
              >
                {m}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div id={`${props.id}-explain`} className={error ? 'field-error' : 'explain'}>
        {error ?? parsed.words ?? ''}
      </div>
    </div>
  );
}

const NONE: Readonly<Record<string, string>> = {};

function describe(text: string, named: Readonly<Record<string, string>>): { words?: string; error?: string } {
  if (!text.trim()) return { words: 'No condition: this route gets traffic by weight only.' };
  try {
    // A stored condition's name stands for its definition, as the engine resolves it.
    const stored = Object.hasOwn(named, text.trim()) ? named[text.trim()] : undefined;
    if (stored !== undefined)
      return {
        words: `Uses the stored condition '${text.trim()}': matches when ${explainCondition(parseCondition(stored))}.`,
      };
    return { words: `Matches when ${explainCondition(parseCondition(text))}.` };
  } catch (err) {
    return { error: err instanceof ConditionSyntaxError ? err.message : String(err) };
  }
}

function currentWord(text: string, caret: number): string {
  const before = text.slice(0, caret);
  const m = /[^\s()]*$/.exec(before);
  return m ? m[0] : '';
}

function tokens(text: string): { kind: string; text: string }[] {
  const out: { kind: string; text: string }[] = [];
  const re = /(\s+)|("[^"]*"?|'[^']*'?)|(<[^>]*>?)|([()])|(==|!=|&&|\|\||[!=&|])|([^\s()"'<=!&|]+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const [t] = m;
    let kind = 'value';
    if (m[1]) kind = 'space';
    else if (m[2]) kind = 'string';
    else if (m[3]) kind = 'acl';
    else if (m[4]) kind = 'paren';
    else if (m[5]) kind = KEYWORDS.test(t) ? 'keyword' : 'operator';
    else if (KEYWORDS.test(t)) kind = 'keyword';
    else if (OPERANDS.test(t)) kind = 'operand';
    else if (OPERATORS.test(t)) kind = 'operator';
    out.push({ kind, text: t });
  }
  return out;
}
