/**
 * The local CA as the UI sees it: where it is, whether it exists, and which trust stores trust it. The
 * trust stores themselves are main/tls/trust-store.ts; these are the values they report over the contract.
 */

/** `unknown`: no way to check from here; `other`: a different Switchyard CA (an older one) is there. */
export type TrustState = 'trusted' | 'not-trusted' | 'other' | 'unknown';

export interface TrustStatus {
  store: string;
  state: TrustState;
  detail?: string;
}

/** What `trust` or `uninstall` did to one store, or the commands the user has to run for it. */
export interface TrustChange {
  store: string;
  done: boolean;
  message: string;
  commands: string[];
}

export interface CaStatus {
  /** The CA certificate's file: what curl --cacert and NODE_EXTRA_CA_CERTS take. */
  path: string;
  /** False until a TLS listener or `ca.trust` first needs it; asking for the status never creates it. */
  exists: boolean;
  subject?: string;
  /** ISO 8601. */
  validTo?: string;
  /** SHA-256, colon-separated hex, as browsers show it. */
  fingerprint?: string;
  /** Each trust store this machine has that Switchyard knows of; empty while the CA does not exist. */
  stores: TrustStatus[];
}
