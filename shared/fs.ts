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
 * Write `text` to the file at `path` (opened for writing with `options`) and flush it to disk
 * before closing, so a rename that follows never publishes a file a crash could leave empty.
 */
export async function writeTextFileSynced(
  path: string,
  text: string,
  options: Omit<Deno.OpenOptions, "read" | "write">,
): Promise<void> {
  const f = await Deno.open(path, { ...options, write: true });
  try {
    const bytes = new TextEncoder().encode(text);
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
    await f.syncData();
  } finally {
    f.close();
  }
}

/**
 * Put `text` at `dir/name` durably and atomically: it is written and flushed to a hidden
 * temporary file in the same directory (same filesystem, so the rename is atomic) and renamed
 * over the name, so a reader or a crash sees the old file or the whole new one, never a part.
 * Creates `dir` when missing.
 */
export async function writeFileDurable(dir: string, name: string, text: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${dir}/.${name}.tmp`;
  await writeTextFileSynced(tmp, text, { create: true, truncate: true });
  await Deno.rename(tmp, `${dir}/${name}`);
}
