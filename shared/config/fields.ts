/** The fields a gateway may have (Vamp's read-only ones aside). */
export const GATEWAY_FIELDS = [
  'name',
  'port',
  'host',
  'enabled',
  'sticky',
  'sticky_by',
  'timeout',
  'connect_timeout',
  'preserve_host',
  'no_route_status',
  'max_connections',
  'max_upstream_connections',
  'semantics',
  'routes',
];
/** The fields a route may have. */
export const ROUTE_FIELDS = [
  'weight',
  'condition',
  'condition_strength',
  'targets',
  'target',
  'balance',
  'rewrites',
  'instances',
  'paths',
];
