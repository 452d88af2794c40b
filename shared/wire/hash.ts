/** FNV-1a over UTF-16 code units, finished with murmur3's avalanche so nearby keys spread evenly. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A stable draw in (0, 1) for a key: the same key always gives the same number. */
export function hashUnit(text: string): number {
  return (hash32(text) + 0.5) / 4294967296;
}

/** A short opaque id, used for sticky cookies: it names a route without revealing its address. */
export function opaqueId(text: string): string {
  return hash32(text).toString(36) + hash32(`${text}\u0000salt`).toString(36);
}
