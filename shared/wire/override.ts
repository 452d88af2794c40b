/** The request header and query parameter that force a route, for demos; the log marks such requests. */
export const OVERRIDE_HEADER = 'x-switchyard-route';
export const OVERRIDE_QUERY = 'switchyard-route';
