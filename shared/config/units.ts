/** Parses `"90%"`, `"12.5%"`, `90` or `"90"` into a number of percent, or explains what is wrong. */
export function parsePercent(value: unknown): number | string {
  const text =
    typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  const m = text === undefined ? null : /^(\d+(?:\.\d+)?|\.\d+)\s*%?$/.exec(text);
  if (!m) return `${JSON.stringify(value)} is not a percentage; write it like 20% or 20`;
  const n = Number(m[1]);
  if (n > 100) return `${text} is more than 100%`;
  return n;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `"30s"`, `"500ms"`, `"2m"` or a number of milliseconds into milliseconds. */
export function parseDuration(value: unknown): number | string {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  const m = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(value.trim()) : null;
  if (!m || Number(m[1]) <= 0) {
    return `${JSON.stringify(value)} is not a duration; write it like 30s, 500ms or 2m (a bare number means milliseconds)`;
  }
  return Number(m[1]) * (DURATION_UNITS[m[2] as string] ?? 1);
}

/** Formats percent for messages: 33.3333 -> "33.33%". */
export function formatPercent(n: number): string {
  return `${Math.round(n * 100) / 100}%`;
}

/** An even split of 100% over n routes in whole percent, the remainder going to the first: 34/33/33. */
export function evenSplit(n: number): number[] {
  const base = Math.floor(100 / n);
  return Array.from({ length: n }, (_, i) => base + (i < 100 - base * n ? 1 : 0));
}

const RATE_UNITS: Record<string, number> = {
  bps: 1 / 8,
  kbps: 1000 / 8,
  mbps: 1_000_000 / 8,
  gbps: 1_000_000_000 / 8,
  'b/s': 1,
  'kb/s': 1000,
  'mb/s': 1_000_000,
  'kib/s': 1024,
  'mib/s': 1024 * 1024,
};

/** Parses a bandwidth (`"256kbps"` bits, `"64KB/s"` bytes, or a number of bytes per second) into bytes per second. */
export function parseBandwidth(value: unknown): number | string {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  const m = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*([a-z/]+)$/i.exec(value.trim()) : null;
  const unit = m ? RATE_UNITS[(m[2] as string).toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0)
    return `${JSON.stringify(value)} is not a bandwidth; write it like 256kbps, 1mbps or 64KB/s`;
  return Number(m[1]) * unit;
}

/** A bandwidth as Switchyard writes it: 32000 bytes/s -> "256kbps". */
export function formatBandwidth(bytesPerSecond: number): string {
  const bits = bytesPerSecond * 8;
  if (bits >= 1_000_000 && bits % 1_000_000 === 0) return `${bits / 1_000_000}mbps`;
  return `${Math.round((bits / 1000) * 1000) / 1000}kbps`;
}
