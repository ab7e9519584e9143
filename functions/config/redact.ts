/**
 * Credentials in the settings file never leave the server: every string value holding a URL
 * password (`rtsp://user:pw@host`) or a secret query parameter (`?token=…`) is shown as
 * `rtsp://***@host`, and so are URLs in comments (the one set of rules: shared/redact.ts). `${ENV}` references are not secrets (the value
 * lives in the analyzer's environment) and stay as written, so the operator sees where a secret
 * comes from. On save, a value still equal to the redacted form of a stored value gets the stored
 * value back: round-tripping a redacted GET through PUT keeps the credentials.
 */
import { isMap, isScalar, isSeq, parseDocument, Scalar } from "yaml";
import { redactSecrets, redactSource } from "../../shared/redact.ts";
import { QUIET_YAML } from "../../shared/config.ts";

/** What a redacted value still looks like; saving one that matches no stored value is refused. */
export const REDACTED_RE = /\*\*\*/;

/** The value with its credentials replaced by `***` (env references kept): the shared rules. */
export function redactValue(value: string): string {
  return redactSource(value);
}

interface _StringNode {
  path: string;
  node: Scalar<string>;
}

/** Every string scalar with its dotted path (aliases are skipped: their anchor is visited). */
function _stringNodes(node: unknown, path: string[] = [], out: _StringNode[] = []): _StringNode[] {
  if (isScalar(node)) {
    if (typeof node.value === "string") {
      out.push({ path: path.join(".") || "(root)", node: node as Scalar<string> });
    }
  } else if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      _stringNodes(pair.value, [...path, key], out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => _stringNodes(item, [...path, String(i)], out));
  }
  return out;
}

/**
 * `text` with the values that `change` maps to something else rewritten in place; the rest of
 * the file (comments, layout, key order) is kept byte for byte. Flow scalars are replaced by
 * `render` (default a double-quoted string: JSON is valid YAML); a block scalar makes us
 * re-serialize the document.
 */
function _rewriteScalars(
  text: string,
  change: (n: _StringNode) => string,
  render: (value: string) => string = (v) => JSON.stringify(v),
): { text: string; nodes: _StringNode[] } | null {
  const doc = parseDocument(text, QUIET_YAML);
  if (doc.errors.length) return null;
  const nodes = _stringNodes(doc.contents);
  const edits: { start: number; end: number; value: string }[] = [];
  let block = false;
  for (const n of nodes) {
    const next = change(n);
    if (next === n.node.value) continue;
    const range = n.node.range;
    const type = n.node.type;
    if (!range || type === Scalar.BLOCK_FOLDED || type === Scalar.BLOCK_LITERAL) block = true;
    else edits.push({ start: range[0], end: range[1], value: render(next) });
    n.node.value = next;
  }
  if (block) return { text: doc.toString(), nodes };
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, e.start) + e.value + out.slice(e.end);
  }
  return { text: out, nodes };
}

/** The file as shown to API clients: credentials redacted in values and in comments. */
export function redactConfigText(text: string): string {
  const values = _rewriteScalars(text, (n) => redactValue(n.node.value));
  // Unparseable text (hand-edited, broken) is still redacted as free text.
  return redactSecrets(values?.text ?? text);
}

/**
 * `text` with each redacted value replaced by the stored value it stands for: the value at the
 * same path if its redacted form matches, else the one stored value anywhere with that redacted
 * form (a renamed camera). `unresolved` lists the paths still holding redacted credentials.
 */
export function restoreRedacted(
  text: string,
  storedText: string,
): { text: string; unresolved: string[] } {
  const stored = _rewriteScalars(storedText, (n) => n.node.value)?.nodes ?? [];
  const byPath = new Map(stored.map((n) => [n.path, n.node.value]));
  const byRedacted = new Map<string, Set<string>>();
  for (const n of stored) {
    const r = redactValue(n.node.value);
    if (r === n.node.value) continue;
    byRedacted.set(r, (byRedacted.get(r) ?? new Set()).add(n.node.value));
  }
  // A restored value is written back exactly as the file had it (plain, quoted…), so a round trip
  // of an unchanged GET leaves the file byte for byte the same.
  const rawByValue = new Map<string, string>();
  for (const n of stored) {
    const r = n.node.range;
    if (r && !String(n.node.type).startsWith("BLOCK")) {
      rawByValue.set(n.node.value, storedText.slice(r[0], r[1]));
    }
  }
  const restore = (render?: (v: string) => string) => {
    const unresolved: string[] = [];
    const out = _rewriteScalars(text, (n) => {
      const v = n.node.value;
      if (!REDACTED_RE.test(v)) return v;
      const same = byPath.get(n.path);
      if (same !== undefined && redactValue(same) === v) return same;
      const candidates = byRedacted.get(v);
      if (candidates?.size === 1) return [...candidates][0];
      unresolved.push(n.path);
      return v;
    }, render);
    return out && { text: out.text, unresolved, nodes: out.nodes };
  };
  const raw = restore((v) => rawByValue.get(v) ?? JSON.stringify(v));
  // Unparseable text: nothing to restore; validation reports the syntax error.
  if (!raw) return { text, unresolved: [] };
  // The raw form is only safe where it reads back the same (a plain scalar moved into a flow
  // collection may not): otherwise use quoted strings.
  const check = _rewriteScalars(raw.text, (n) => n.node.value);
  const same = check?.nodes.length === raw.nodes.length &&
    check.nodes.every((n, i) => n.node.value === raw.nodes[i].node.value);
  const chosen = same ? raw : restore()!;
  return { text: chosen.text, unresolved: chosen.unresolved };
}
