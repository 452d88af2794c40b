/**
 * Browser aliases for `user-agent == NAME`, exactly as Vamp's HAProxy driver defines them
 * (magneticio/vamp haproxy/src/main/resources/io/vamp/gateway_driver/haproxy/user-agents.yml): each alias
 * is a case-sensitive substring test of the User-Agent header (`req.fhdr(User-Agent) -m sub 'Chrome'`),
 * Safari also needing 'Version'. Names are looked up without regard to case (Vamp upper-cases both sides).
 * Any other value is a case-sensitive substring test, as Vamp's generated `hdr_sub(user-agent) VALUE` is.
 *
 * Kept as Vamp has it, even where modern browsers make it misleading (README, fidelity table): Chrome
 * also matches new Edge ("Edg/") and Opera ("OPR/"), which carry "Chrome"; Edge matches only old Edge
 * ("Edge/"); IE matches "MSIE" (IE 10 and older), not IE 11's "Trident"; iOS, Android and Opera are not
 * aliases, so `user-agent == iOS` looks for the text "iOS".
 */
export interface UserAgentAlias {
  label: string;
  /** Substrings of which the User-Agent must contain at least one (exporters read this). */
  anyOf: string[];
  /** Substrings the User-Agent must not contain (none in Vamp's table). */
  noneOf: string[];
  /** Substrings the User-Agent must also contain, all of them. */
  allOf: string[];
}

export const USER_AGENT_ALIASES: Record<string, UserAgentAlias> = {
  chrome: { label: 'Chrome', anyOf: ['Chrome'], noneOf: [], allOf: [] },
  firefox: { label: 'Firefox', anyOf: ['Firefox'], noneOf: [], allOf: [] },
  safari: { label: 'Safari', anyOf: ['Safari'], noneOf: [], allOf: ['Version'] },
  edge: { label: 'Edge', anyOf: ['Edge'], noneOf: [], allOf: [] },
  ie: { label: 'IE', anyOf: ['MSIE'], noneOf: [], allOf: [] },
};

export function userAgentAlias(value: string): UserAgentAlias | undefined {
  return USER_AGENT_ALIASES[value.toLowerCase()];
}

/** True when the User-Agent header `ua` is the browser `value` names, or contains `value` (case-sensitive). */
export function userAgentMatches(ua: string, value: string): boolean {
  const alias = userAgentAlias(value);
  if (!alias) return ua.includes(value);
  return (
    alias.anyOf.some((s) => ua.includes(s)) &&
    alias.allOf.every((s) => ua.includes(s)) &&
    !alias.noneOf.some((s) => ua.includes(s))
  );
}
