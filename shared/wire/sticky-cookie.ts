import { hash32, opaqueId } from './hash.js';

/**
 * The sticky cookie as clients see it, wherever it is made: by the engine, and by the nginx and HAProxy
 * exports that must give the same client the same route after the move to production. Its values are
 * opaque ids: they name a route or instance without revealing its address.
 */

/** The cookie's name for a gateway: short, and the same for the same gateway name. */
export function stickyCookieName(gateway: string): string {
  return `sy_${hash32(gateway).toString(36)}`;
}

/** The id of a route; a route drained N times gets a new one, so the cookies that named it stop matching. */
export function routeStickyId(gateway: string, route: string, drains = 0): string {
  return opaqueId(`${gateway}\u0000${route}${drains ? `\u0000drain ${drains}` : ''}`);
}

/** The id of one instance of a route. */
export function instanceStickyId(gateway: string, route: string, url: string): string {
  return opaqueId(`${gateway}\u0000${route}\u0000${url}`);
}

/** The attributes the cookie is set with. */
export const STICKY_COOKIE_ATTRIBUTES = 'Path=/; HttpOnly; SameSite=Lax';
