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
