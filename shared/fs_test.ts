import assert from "node:assert/strict";
import { exists, writeFileDurable, writeFileSynced } from "./fs.ts";

Deno.test("writeFileDurable creates the directory, writes the text and leaves no temporary file", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = `${root}/a/b`;
    await writeFileDurable(dir, "x.json", "first");
    await writeFileDurable(dir, "x.json", "second, longer than the first");
    assert.deepEqual(await Deno.readTextFile(`${dir}/x.json`), "second, longer than the first");
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
    assert.deepEqual(names, ["x.json"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("writeFileSynced honours createNew and mode", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/f.txt`;
    await writeFileSynced(path, "héllo", { createNew: true, mode: 0o600 });
    assert.deepEqual(await Deno.readTextFile(path), "héllo");
    assert.deepEqual((await Deno.stat(path)).mode! & 0o777, 0o600);
    await assert.rejects(
      () => writeFileSynced(path, "again", { createNew: true }),
      Deno.errors.AlreadyExists,
    );
    assert.deepEqual(await exists(path), true);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("writeFileDurable writes bytes as they are", async () => {
  const root = await Deno.makeTempDir();
  try {
    const bytes = new Uint8Array([0xff, 0xd8, 0x00, 0x01]);
    await writeFileDurable(root, "c.jpg", bytes);
    assert.deepEqual(await Deno.readFile(`${root}/c.jpg`), bytes);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
