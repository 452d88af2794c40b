/**
 * One colour per route, by its position in the gateway: the sliders, the chart, the traffic table and the
 * log all use this, so a route is the same colour everywhere. Chosen to read on both themes.
 */
const ROUTE_COLORS = ['#2563eb', '#16a34a', '#f59e0b', '#db2777', '#7c3aed', '#0891b2', '#dc2626', '#65a30d'];

export function routeColor(index: number): string {
  return ROUTE_COLORS[((index % ROUTE_COLORS.length) + ROUTE_COLORS.length) % ROUTE_COLORS.length]!;
}
