/**
 * The dev stack listens on 127.0.0.1 unless HOST says otherwise. Exposing it with auth off hands
 * the live video and every setting to anyone on the network, so that says so loudly.
 */

/** Whether `hostname` only accepts connections from this machine. */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || hostname.startsWith("127.");
}

/** The warning to print for listening on `hostname`, or null when there is nothing to warn. */
export function exposureWarning(hostname: string, authOn: boolean): string | null {
  if (isLoopback(hostname)) return null;
  return `WARNING: listening on ${hostname}: reachable from the network` +
    (authOn
      ? " (auth is on). Put TLS in front before it leaves a trusted LAN: docs/DEPLOY.md."
      : " with auth OFF: anyone who can reach this port can watch every camera and change " +
        "every setting. Set STOPLINE_JWT_SECRET, or drop HOST to stay on 127.0.0.1. " +
        "docs/SECURITY.md.");
}
