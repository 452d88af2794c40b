/**
 * Browser aliases for `user-agent == NAME`. Vamp tests the User-Agent header for a substring; a plain
 * substring test for "Chrome" also matches Edge and Opera, and "Safari" matches Chrome, so the common
 * browser names are defined here by what a real User-Agent of that browser contains and lacks.
 */
export interface UserAgentAlias {
  label: string;
  anyOf: string[];
  noneOf: string[];
}

export const USER_AGENT_ALIASES: Record<string, UserAgentAlias> = {
  firefox: { label: 'Firefox', anyOf: ['firefox/', 'fxios/'], noneOf: ['seamonkey/'] },
  chrome: {
    label: 'Chrome',
    anyOf: ['chrome/', 'crios/'],
    noneOf: ['edg/', 'edga/', 'edgios/', 'opr/', 'opios/'],
  },
  safari: {
    label: 'Safari',
    anyOf: ['safari/'],
    noneOf: ['chrome/', 'chromium/', 'crios/', 'fxios/', 'edg/', 'opr/', 'android'],
  },
  edge: { label: 'Edge', anyOf: ['edg/', 'edga/', 'edgios/', 'edge/'], noneOf: [] },
  opera: { label: 'Opera', anyOf: ['opr/', 'opios/', 'opera'], noneOf: [] },
  ie: { label: 'Internet Explorer', anyOf: ['msie ', 'trident/'], noneOf: [] },
  msie: { label: 'Internet Explorer', anyOf: ['msie ', 'trident/'], noneOf: [] },
  ios: { label: 'iOS', anyOf: ['iphone', 'ipad', 'ipod'], noneOf: [] },
  android: { label: 'Android', anyOf: ['android'], noneOf: [] },
  mobile: { label: 'a mobile device', anyOf: ['mobile', 'iphone', 'android'], noneOf: ['ipad'] },
  curl: { label: 'curl', anyOf: ['curl/'], noneOf: [] },
};

export function userAgentAlias(value: string): UserAgentAlias | undefined {
  return USER_AGENT_ALIASES[value.toLowerCase()];
}

/** True when the User-Agent header `ua` is the browser or text `value` names (case-insensitive). */
export function userAgentMatches(ua: string, value: string): boolean {
  const lower = ua.toLowerCase();
  const alias = userAgentAlias(value);
  if (!alias) return lower.includes(value.toLowerCase());
  return alias.anyOf.some((s) => lower.includes(s)) && !alias.noneOf.some((s) => lower.includes(s));
}
