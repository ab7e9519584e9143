/**
 * The settings file on disk: read, ETag, atomic replace. The analyzer watches the file, so a
 * write must never be seen half done: the new text goes to a temporary file in the same
 * directory (same filesystem, so rename is atomic), is flushed, and then renamed over the old one.
 */
import { basename, dirname, join } from "node:path";
import { writeFileSynced } from "../../shared/fs.ts";

/** The file's text, or null when there is none. */
export async function readConfigFile(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/**
 * A strong ETag for the file's bytes. Keyed (HMAC) with the auth secret when there is one: the
 * ETag is shown to viewers alongside the redacted file, and a plain hash would let them test
 * password guesses offline.
 */
export async function configEtag(text: string, key: string | null): Promise<string> {
  const k = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key ?? "stopline-config"),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(text)),
  );
  return `"${[...mac.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("")}"`;
}

/** A temporary file next to `path` holding `text` (flushed, same mode as the current file). */
export async function writeTempBeside(path: string, text: string): Promise<string> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${crypto.randomUUID()}`);
  const mode = await Deno.stat(path).then((s) => s.mode ?? 0o644, () => 0o644);
  // Durable before the rename makes it the config (a crash must not leave an empty file).
  await writeFileSynced(tmp, text, { createNew: true, mode: mode & 0o777 });
  return tmp;
}

/** Replace `path` with `text` atomically. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = await writeTempBeside(path, text);
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
