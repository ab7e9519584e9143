/**
 * A module loaded on first use and kept: `lazyImport(() => import("x"))` makes the bundler put
 * "x" in its own chunk, fetched only when a page needs it. A failed download is forgotten, so
 * the next call tries again (a reconnect after a network blip).
 */
export function lazyImport<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    loading ??= load().catch((e) => {
      loading = undefined;
      throw e;
    });
}
