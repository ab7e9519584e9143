/// <reference lib="dom" />
/**
 * The operator's access token (when the server has auth on) and the one place requests get it:
 * `Authorization: Bearer` on /api fetches, `?token=` where headers cannot be set (WebSocket,
 * <img>). Stored in localStorage so a wall-mounted screen survives reloads.
 */

const _KEY = "stopline.token";

/** Fired on window when the server answers 401: the login field should show. */
export const AUTH_REQUIRED_EVENT = "stopline:auth-required";

export function getToken(): string | null {
  try {
    return localStorage.getItem(_KEY);
  } catch {
    return null; // storage disabled (privacy mode): behave as signed out
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(_KEY, token.trim());
    else localStorage.removeItem(_KEY);
  } catch { /* storage disabled: the token lives for this page only via the header below */ }
}

export function authHeaders(headers: HeadersInit = {}): Headers {
  const out = new Headers(headers);
  const token = getToken();
  if (token && !out.has("authorization")) out.set("authorization", `Bearer ${token}`);
  return out;
}

/** fetch with the bearer token; a 401 asks the app to show the login field. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(path, { ...init, headers: authHeaders(init.headers) });
  if (res.status === 401) globalThis.dispatchEvent(new Event(AUTH_REQUIRED_EVENT));
  return res;
}

/** Add `?token=` for URLs fetched by the browser itself (images, WebSockets). */
export function withToken(url: string): string {
  const token = getToken();
  if (!token) return url;
  const u = new URL(url, location.href);
  u.searchParams.set("token", token);
  // Keep same-origin URLs relative, as they came in.
  return u.origin === location.origin && !/^[a-z]+:/i.test(url)
    ? u.pathname + u.search + u.hash
    : u.toString();
}

/** ws(s):// URL for a same-origin path, with the token. */
export function wsUrl(path: string): string {
  const u = new URL(withToken(path), location.href);
  u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  return u.toString();
}
