/**
 * Request headers that inject a fault into that one request, on routes with `faults.header_control: true`
 * (as Envoy's fault filter reads x-envoy-fault-delay-request). Never forwarded upstream.
 */
export const FAULT_DELAY_HEADER = 'x-switchyard-fault-delay';
export const FAULT_ABORT_HEADER = 'x-switchyard-fault-abort';
