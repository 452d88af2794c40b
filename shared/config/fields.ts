import { rawGatewaySchema, rawRouteSchema, VAMP_READ_ONLY_FIELDS } from './schema.js';

/** The fields a gateway may have (Vamp's read-only ones aside), as the schema lists them. */
export const GATEWAY_FIELDS = Object.keys(rawGatewaySchema.shape).filter(
  (f) => !VAMP_READ_ONLY_FIELDS.includes(f),
);
/** The fields a route may have, as the schema lists them. */
export const ROUTE_FIELDS = Object.keys(rawRouteSchema.shape);
