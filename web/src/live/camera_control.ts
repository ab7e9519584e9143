/// <reference lib="dom" />
/**
 * Who may change a camera from this browser, read from the session token's claims (the server
 * checks again; this only decides what to offer): with auth off anyone may, with auth on an
 * operator or admin whose `cameras` claim (if any) lists the camera.
 */
import { getToken } from "../session.ts";

interface _Claims {
  role?: unknown;
  cameras?: unknown;
}

/** The claims of a JWT (unverified: for the UI only), or null when it is not one. */
export function tokenClaims(token: string | null): _Claims | null {
  const part = token?.split(".")[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const json = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    const v = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
    return typeof v === "object" && v !== null ? v : null;
  } catch {
    return null;
  }
}

export function mayControlCamera(authOn: boolean, token: string | null, camera: string): boolean {
  if (!authOn) return true;
  const claims = tokenClaims(token);
  if (!claims || (claims.role !== "operator" && claims.role !== "admin")) return false;
  return !Array.isArray(claims.cameras) || claims.cameras.includes(camera);
}

/** The same for the token this page holds now. */
export function mayControl(authOn: boolean, camera: string): boolean {
  return mayControlCamera(authOn, getToken(), camera);
}
