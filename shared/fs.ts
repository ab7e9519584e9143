/** Small filesystem helpers shared by the analyzer, dev tools and tests (Deno-only). */

/** True when something exists at `path` (a missing parent is just "no"). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Write `data` (text as UTF-8) to the file at `path` (opened for writing with `options`) and flush it to disk
 * before closing, so a rename that follows never publishes a file a crash could leave empty.
 */
export async function writeFileSynced(
  path: string,
  data: string | Uint8Array,
  options: Omit<Deno.OpenOptions, "read" | "write">,
): Promise<void> {
  const f = await Deno.open(path, { ...options, write: true });
  try {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
    await f.syncData();
  } finally {
    f.close();
  }
}

/**
 * Put `data` at `dir/name` durably and atomically: it is written and flushed to a hidden
 * temporary file in the same directory (same filesystem, so the rename is atomic) and renamed
 * over the name, so a reader or a crash sees the old file or the whole new one, never a part.
 * Creates `dir` when missing.
 */
export async function writeFileDurable(
  dir: string,
  name: string,
  data: string | Uint8Array,
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${dir}/.${name}.tmp`;
  await writeFileSynced(tmp, data, { create: true, truncate: true });
  await Deno.rename(tmp, `${dir}/${name}`);
}
