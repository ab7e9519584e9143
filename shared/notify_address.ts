/**
 * Where notifications may be sent (SSRF). Webhook URLs come from the settings file, which
 * operators edit through the API, and push endpoints come from any viewer's browser; the analyzer
 * POSTs to both from inside the deployment. So some addresses are refused:
 * - always (webhooks and push): unspecified, loopback, link-local (169.254.0.0/16, fe80::/10,
 *   where the cloud metadata services live), known metadata addresses (100.100.100.200,
 *   fd00:ec2::254) and names (localhost, metadata.google.internal);
 * - for push endpoints also private and shared ranges (10/8, 172.16/12, 192.168/16, 100.64/10,
 *   fc00::/7): a real push service is on the internet, and only over https (plain http only
 *   to an address inside an allowed network).
 * `STOPLINE_NOTIFY_ALLOW_NETS` (comma separated CIDRs, e.g. `127.0.0.0/8` for a receiver on the
 * same machine) lifts the refusal for those networks; the deployment sets it, never the file.
 */

export const NOTIFY_ALLOW_NETS = "STOPLINE_NOTIFY_ALLOW_NETS";

/** What the address may be: a webhook may be on the LAN, a push endpoint only on the internet. */
export type AddressUse = "webhook" | "push";

const _ALWAYS_BLOCKED = [
  "0.0.0.0/8",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "100.100.100.200/32",
  "::/128",
  "::1/128",
  "fe80::/10",
  "fd00:ec2::254/128",
];
const _PRIVATE = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "fc00::/7",
];
const _BLOCKED_NAMES = /^(?:localhost|.*\.localhost|metadata|metadata\.google\.internal)\.?$/i;

interface _Net {
  bytes: Uint8Array;
  prefix: number;
}

/** The 4 or 16 bytes of an IP literal, or null when `text` is not one. */
export function ipBytes(text: string): Uint8Array | null {
  const host = text.replace(/^\[|\]$/g, "");
  const v4 = host.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (v4) {
    const b = v4.slice(1).map(Number);
    return b.every((x) => x <= 255) ? new Uint8Array(b) : null;
  }
  if (!host.includes(":") || !/^[0-9a-fA-F:.]+$/.test(host)) return null;
  let h = host;
  const dotted = h.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    // `::ffff:1.2.3.4`: the dotted tail is the last two groups.
    const v = ipBytes(dotted[2]);
    if (!v) return null;
    h = `${dotted[1]}${((v[0] << 8) | v[1]).toString(16)}:${((v[2] << 8) | v[3]).toString(16)}`;
  }
  const halves = h.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === "" ? [] : s.split(":"));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const groups = 8;
  if (halves.length === 1 && head.length !== groups) return null;
  if (head.length + rest.length > groups) return null;
  const words = [...head, ...Array(groups - head.length - rest.length).fill("0"), ...rest];
  const out: number[] = [];
  for (const w of words) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return null;
    const n = parseInt(w, 16);
    out.push(n >> 8, n & 255);
  }
  return new Uint8Array(out);
}

/** A CIDR like `127.0.0.0/8` or `fd00::/8`; throws on a malformed one. */
export function parseCidr(text: string): _Net {
  const [addr, bits] = text.trim().split("/");
  const bytes = ipBytes(addr);
  if (!bytes) throw new Error(`not a network: ${text}`);
  const prefix = bits === undefined ? bytes.length * 8 : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bytes.length * 8) {
    throw new Error(`not a network: ${text}`);
  }
  return { bytes, prefix };
}

function _inNet(ip: Uint8Array, net: _Net): boolean {
  if (ip.length !== net.bytes.length) return false;
  for (let bit = 0; bit < net.prefix; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((ip[bit >> 3] & mask) !== (net.bytes[bit >> 3] & mask)) return false;
  }
  return true;
}

const _alwaysNets = _ALWAYS_BLOCKED.map(parseCidr);
const _privateNets = _PRIVATE.map(parseCidr);

/** The networks `STOPLINE_NOTIFY_ALLOW_NETS` lifts the refusal for (malformed entries: ignored). */
export function allowNetsFromEnv(env: (name: string) => string | undefined): _Net[] {
  return (env(NOTIFY_ALLOW_NETS) ?? "").split(",").filter((s) => s.trim()).flatMap((s) => {
    try {
      return [parseCidr(s)];
    } catch {
      return [];
    }
  });
}

export type AllowNets = ReturnType<typeof allowNetsFromEnv>;

/** Why the address `ip` may not be sent to, or null. IPv4-mapped IPv6 is judged as IPv4. */
export function addressProblem(ip: Uint8Array, use: AddressUse, allow: AllowNets): string | null {
  const mapped = ip.length === 16 && ip.subarray(0, 10).every((b) => b === 0) &&
    ip[10] === 255 && ip[11] === 255;
  const addr = mapped ? ip.subarray(12) : ip;
  if (allow.some((n) => _inNet(addr, n))) return null;
  if (_alwaysNets.some((n) => _inNet(addr, n))) {
    return "a loopback, link-local or metadata address";
  }
  if (use === "push" && _privateNets.some((n) => _inNet(addr, n))) return "a private address";
  return null;
}

/**
 * Why `url` may not be a notification target, judged without DNS (the URL itself: scheme,
 * credentials, a blocked IP literal or name), or null. Names are checked again after resolution
 * when sending (`resolvedProblem`).
 */
export function notifyUrlProblem(url: string, use: AddressUse, allow: AllowNets): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "not a URL";
  }
  const ip = ipBytes(u.hostname);
  // Plain http to a push endpoint only inside an allowed network (a local relay, the tests).
  const allowedHttp = use === "webhook" || (ip !== null && allow.some((n) => _inNet(ip, n)));
  const allowed = allowedHttp ? ["https:", "http:"] : ["https:"];
  if (!allowed.includes(u.protocol)) return `the scheme must be ${allowed.join(" or ")}`;
  if (u.username || u.password) return "credentials do not belong in the URL";
  if (ip) {
    const p = addressProblem(ip, use, allow);
    return p ? `refused: ${p} (${NOTIFY_ALLOW_NETS} can allow it)` : null;
  }
  if (_BLOCKED_NAMES.test(u.hostname)) return `refused: ${u.hostname} is a local or metadata name`;
  return null;
}

/** DNS lookups, replaceable in tests. */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => {
  const found: string[] = [];
  for (const type of ["A", "AAAA"] as const) {
    try {
      found.push(...await Deno.resolveDns(host, type));
    } catch {
      // a name with only one family is fine
    }
  }
  return found;
};

/**
 * Why sending to `url` is refused now: the URL rules, then every address its name resolves to
 * (a name pointing at 169.254.169.254 is refused like the literal).
 */
export async function resolvedProblem(
  url: string,
  use: AddressUse,
  allow: AllowNets,
  resolve: Resolver = systemResolver,
): Promise<string | null> {
  const p = notifyUrlProblem(url, use, allow);
  if (p) return p;
  const host = new URL(url).hostname;
  if (ipBytes(host)) return null;
  const addrs = await resolve(host);
  if (!addrs.length) return `cannot resolve ${host}`;
  for (const a of addrs) {
    const ip = ipBytes(a);
    const problem = ip ? addressProblem(ip, use, allow) : "an unreadable address";
    if (problem) {
      return `refused: ${host} resolves to ${problem} (${NOTIFY_ALLOW_NETS} can allow it)`;
    }
  }
  return null;
}
