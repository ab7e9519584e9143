/** Poll until a condition holds, for tests of things that happen asynchronously. */

/**
 * Resolves with the condition's first truthy value (errors in `check` count as "not yet");
 * rejects naming `what` after `ms`.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms: number,
  everyMs = 200,
): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await Promise.resolve().then(check).catch(() => undefined);
    if (v !== undefined && v !== false) return v as T;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${ms} ms: ${what}`);
}
