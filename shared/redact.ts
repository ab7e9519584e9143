/**
 * The one redaction for stopline: every log line, API answer, error message and MediaMTX message
 * that may carry a camera URL or a token goes through `redactSecrets` (free text) or
 * `redactSource` (one source value). Its own module without dependencies: the decode worker
 * needs it, and importing it from config.ts would load zod and yaml into every camera's worker
 * (~300 ms of a restart).
 *
 * What is hidden:
 * - URL user info, up to the LAST `@` of the authority (`rtsp://admin:Pa@ss@host` ->
 *   `rtsp://***@host`); a password holding an unencoded `/ ? #` is hidden too when the text
 *   before it reads `user:password` (not `host:port`).
 * - path segments shaped like a token (16+ base64url/hex characters mixing letters and digits:
 *   UniFi's `rtsps://host:7441/<token>`, signed CDN paths).
 * - values of query parameters whose name says secret or credential (password, pwd, passwd,
 *   passphrase, token, access_token, apikey, key, secret, auth, sig, signature, credential,
 *   session, user/username: Reolink's `?user=&password=`), in URLs and as `name=value` in text.
 * - `Bearer <token>`, anything shaped like a JWT, and every value registered with
 *   `registerSecret` (what `${NAME}` substitution put into a config).
 * `${NAME}` references are not secrets (the value lives in the environment) and stay as written,
 * so an operator sees where a secret comes from.
 */

/** A scheme and `//`: where a URL starts in free text. */
const _SCHEME_RE = /[a-z][a-z0-9+.-]*:\/\//gi;
/** Where a URL ends in free text (a value redacted with `whole` runs to its end). */
const _TEXT_URL_END = /[\s"'<>`]/;
/** Query / `name=value` keys whose values are credentials (whole-key match, any case). */
const _SECRET_KEY =
  "(?:[a-z0-9_-]*(?:pass(?:word|wd|phrase)?|pwd|token|secret|api_?key|access_?key|private_?key|auth|sig|signature|credential|session(?:_?id)?)|key|user|username|usr|login)";
const _SECRET_PARAM_RE = new RegExp(`([?&;]${_SECRET_KEY}=)([^&\\s"'<>]*)`, "gi");
/** `token=…` outside a URL query (a log line, a header dump). */
const _SECRET_PAIR_RE = new RegExp(`(^|[\\s,({\\[])(${_SECRET_KEY}=)([^&\\s"',;)}\\]]+)`, "gi");
const _BEARER_RE = /(bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
const _JWT_RE = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
/** A value made only of `${NAME}` references: nothing secret is written in it. */
const _ENV_ONLY_RE = /^(?:\$\{[A-Za-z_][A-Za-z0-9_]*\})+$/;

/** Shortest registered secret replaced in free text (shorter ones would shred every log line). */
export const MIN_REGISTERED_SECRET_CHARS = 4;
const _registered = new Set<string>();

/**
 * Treat `value` as a secret for the life of this process: `redactSecrets` and `redactSource`
 * replace it (and its percent-encoded form) wherever it appears. Called by `${NAME}`
 * substitution for every value it inserts.
 */
export function registerSecret(value: string): void {
  if (value.length < MIN_REGISTERED_SECRET_CHARS) return;
  _registered.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) _registered.add(encoded);
}

/** `rtsp://user:pass@host/x?token=t` -> `rtsp://***@host/x?token=***`. */
export function redactSource(source: string): string {
  return _redact(source, true);
}

/** Free text (a log line, an error, ffmpeg's stderr): every URL and credential in it redacted. */
export function redactSecrets(text: string): string {
  return _redact(text, false);
}

function _redact(text: string, whole: boolean): string {
  let out = _redactRegistered(text);
  out = _redactUrls(out, whole);
  out = out.replace(
    _SECRET_PARAM_RE,
    (m, key: string, v: string) => (v === "" || _ENV_ONLY_RE.test(v) ? m : `${key}***`),
  );
  // A JWT anywhere (a signed URL path, a header dump) in both modes, so that a config value and
  // the file it sits in redact alike.
  out = out.replace(_JWT_RE, "***jwt***");
  if (whole) return out;
  return out
    .replace(
      _SECRET_PAIR_RE,
      (m, lead: string, key: string, v: string) =>
        v === "***" || _ENV_ONLY_RE.test(v) ? m : `${lead}${key}***`,
    )
    .replace(_BEARER_RE, "$1***");
}

function _redactRegistered(text: string): string {
  let out = text;
  // Longest first: a secret that contains another is replaced whole.
  for (const s of [..._registered].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.replaceAll(s, "***");
  }
  return out;
}

/**
 * Each URL: `scheme://userinfo@` -> `scheme://***@` (user info made only of `${NAME}` kept), and
 * path segments shaped like a token (UniFi's `rtsps://host:7441/<token>`, signed paths) -> `***`.
 */
function _redactUrls(text: string, whole: boolean): string {
  let out = "";
  let from = 0;
  _SCHEME_RE.lastIndex = 0;
  for (let m = _SCHEME_RE.exec(text); m; m = _SCHEME_RE.exec(text)) {
    const start = m.index + m[0].length;
    if (start < from) continue;
    const rest = text.slice(start);
    const url = rest.slice(0, whole ? rest.length : _firstIndex(rest, _TEXT_URL_END));
    let at = _userinfoEnd(url);
    if (at >= 0) {
      const info = url.slice(0, at);
      const colon = info.indexOf(":");
      if (_ENV_ONLY_RE.test(colon >= 0 ? info.slice(colon + 1) : info)) at = -1;
    }
    const afterInfo = url.slice(at + 1);
    const pathStart = _firstIndex(afterInfo, /[/?#]/);
    const queryStart = pathStart + _firstIndex(afterInfo.slice(pathStart), /[?#]/);
    const path = afterInfo.slice(pathStart, queryStart).replace(
      _TOKEN_SEGMENT_RE,
      (seg: string) => _looksLikeToken(seg) ? "/***" : seg,
    );
    out += text.slice(from, start) + (at >= 0 ? "***@" : "") + afterInfo.slice(0, pathStart) +
      path;
    from = start + at + 1 + queryStart;
    _SCHEME_RE.lastIndex = from;
  }
  return out + text.slice(from);
}

/** A path segment of token characters (base64url, hex). */
const _TOKEN_SEGMENT_RE = /\/[A-Za-z0-9_~-]{16,}(?=\/|$)/g;

/** Random-looking: long, with several letters and several digits (not `realmonitor`). */
function _looksLikeToken(segment: string): boolean {
  const digits = segment.replace(/[^0-9]/g, "").length;
  const letters = segment.replace(/[^A-Za-z]/g, "").length;
  return digits >= 2 && letters >= 2;
}

/**
 * Index of the `@` ending the user info in `url` (what follows `scheme://`), or -1. The user
 * info runs to the last `@` of the authority; when an `@` only comes after a `/ ? #`, it still
 * ends user info if the text before reads `user:password` rather than `host:port`, because a
 * password with an unencoded `/` must not leak just because it is malformed.
 */
function _userinfoEnd(url: string): number {
  const authorityEnd = _firstIndex(url, /[/?#]/);
  const inAuthority = url.lastIndexOf("@", authorityEnd - 1);
  const last = url.lastIndexOf("@");
  if (last < authorityEnd) return inAuthority;
  const head = url.slice(0, authorityEnd);
  const colon = head.indexOf(":");
  if (colon < 0) return inAuthority;
  const afterColon = head.slice(colon + 1);
  // `host:554/a@b` is a port and a path with an @, not a password.
  if (/^\d*$/.test(afterColon) && !head.includes("@")) return inAuthority;
  return last;
}

function _firstIndex(s: string, re: RegExp): number {
  const i = s.search(re);
  return i < 0 ? s.length : i;
}
