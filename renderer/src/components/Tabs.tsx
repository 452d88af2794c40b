/**
 * A tab list as WAI-ARIA describes it: each tab controls a panel with id `${id}-${key}-panel` (the
 * caller renders it with aria-labelledby `${id}-${key}-tab`); arrow keys, Home and End move between
 * tabs, and only the selected tab is in the Tab order.
 */
export function Tabs<K extends string>(props: {
  label: string;
  id: string;
  tabs: { key: K; label: string }[];
  selected: K;
  onSelect: (key: K) => void;
  className?: string;
}) {
  const move = (e: React.KeyboardEvent, index: number) => {
    const n = props.tabs.length;
    const to =
      e.key === 'ArrowRight'
        ? (index + 1) % n
        : e.key === 'ArrowLeft'
          ? (index + n - 1) % n
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? n - 1
              : undefined;
    if (to === undefined) return;
    e.preventDefault();
    const key = props.tabs[to]!.key;
    props.onSelect(key);
    document.getElementById(`${props.id}-${key}-tab`)?.focus();
  };
  return (
    <nav className={props.className ?? 'tabs'} role="tablist" aria-label={props.label}>
      {props.tabs.map((t, i) => (
        <button
          key={t.key}
          id={`${props.id}-${t.key}-tab`}
          role="tab"
          aria-selected={props.selected === t.key}
          aria-controls={`${props.id}-${t.key}-panel`}
          tabIndex={props.selected === t.key ? 0 : -1}
          onClick={() => props.onSelect(t.key)}
          onKeyDown={(e) => move(e, i)}
        >
          {t.label}
        </button>
      ))}
    </nav>
  );
}
