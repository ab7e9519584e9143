/**
 * Hide credentials in a camera source before it is logged or returned. Its own module without
 * dependencies: the decode worker needs it, and importing it from config.ts would load zod and
 * yaml into every camera's worker (~300 ms of a restart).
 */

/** `rtsp://user:pass@host/x?token=t` -> `rtsp://***@host/x?token=***`. */
export function redactSource(source: string): string {
  return source
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, "$1***@")
    .replace(/([?&](?:password|pass|token|key|secret|auth)=)[^&\s]*/gi, "$1***");
}
