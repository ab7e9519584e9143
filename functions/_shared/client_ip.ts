/**
 * Who the client is, as far as the network tells: the connection's peer address, or — only when
 * that peer is one of our own reverse proxies (STOPLINE_TRUSTED_PROXIES: comma-separated IPs or
 * IPv4/IPv6 CIDRs, e.g. `127.0.0.1,10.0.0.0/8`) — the address that proxy appended to
 * X-Forwarded-For. Hops are read from the right and trusted proxies skipped; everything left of
 * the first untrusted hop is whatever the client claimed and is ignored. Without the setting
 * X-Forwarded-For is never believed, so a client cannot pick a fresh "IP" per request.
 */
import type { Context } from "hono";

export function trustedProxiesFromEnv(
  env: (n: string) => string | undefined = (n) => Deno.env.get(n),
): string[] {
  const list = (env("STOPLINE_TRUSTED_PROXIES") ?? "").split(",").map((s) => s.trim())
    .filter(Boolean);
  for (const entry of list) {
    if (!_parseCidr(entry)) {
      throw new Error(`STOPLINE_TRUSTED_PROXIES: not an IP or CIDR: ${entry}`);
    }
  }
  return list;
}

/** The peer address Deno.serve reports (Hono's `c.env`), or "unknown". */
export function peerIp(c: Context): string {
  const info = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return info?.remoteAddr?.hostname ?? "unknown";
}

/** The client's address (see the module comment). */
export function clientIp(c: Context, trustedProxies: readonly string[] = []): string {
  const peer = peerIp(c);
  if (!trustedProxies.length || !isTrusted(peer, trustedProxies)) return peer;
  const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((s) => s.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isTrusted(hops[i], trustedProxies)) return hops[i];
  }
  return hops[0] ?? peer;
}

/** Whether `ip` is one of `trusted` (exact addresses or CIDR ranges). */
export function isTrusted(ip: string, trusted: readonly string[]): boolean {
  const addr = _bytes(ip);
  if (!addr) return false;
  return trusted.some((entry) => {
    const cidr = _parseCidr(entry);
    if (!cidr || cidr.addr.length !== addr.length) return false;
    let bits = cidr.bits;
    for (let i = 0; i < addr.length && bits > 0; i++, bits -= 8) {
      const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
      if ((addr[i] & mask) !== (cidr.addr[i] & mask)) return false;
    }
    return true;
  });
}

function _parseCidr(entry: string): { addr: number[]; bits: number } | null {
  const [ip, len] = entry.split("/");
  const addr = _bytes(ip);
  if (!addr) return null;
  const max = addr.length * 8;
  const bits = len === undefined ? max : Number(len);
  return Number.isInteger(bits) && bits >= 0 && bits <= max ? { addr, bits } : null;
}

/** IPv4 (also IPv4-mapped IPv6) as 4 bytes, IPv6 as 16; null when not an address. */
function _bytes(ip: string): number[] | null {
  const s = ip.replace(/^\[|\]$/g, "").replace(/^::ffff:(?=\d+\.)/i, "");
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const b = v4.slice(1).map(Number);
    return b.every((x) => x <= 255) ? b : null;
  }
  if (!/^[0-9a-f:]+$/i.test(s) || !s.includes(":")) return null;
  const [head, tail, extra] = s.split("::");
  if (extra !== undefined) return null;
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail ? tail.split(":") : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array(Math.max(fill, 0)).fill("0"), ...t];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}
