/**
 * The object store chosen by the environment: MinIO when MINIO_ENDPOINT is set (with
 * MINIO_ACCESS_KEY / MINIO_SECRET_KEY), else a local directory (STOPLINE_OBJECTS_DIR,
 * default `.data/objects`). Both use `minio://bucket/key` uris.
 */
import { LocalObjectStore } from "./local_store.ts";
import { MinioObjectStore } from "./minio_store.ts";
import type { ObjectStore } from "./object_store.ts";

export type { ObjectStore, StoredObject } from "./object_store.ts";
export { formatObjectUri, parseObjectUri } from "./uri.ts";
export { LocalObjectStore } from "./local_store.ts";
export { MinioObjectStore } from "./minio_store.ts";

/** The bucket for pass crops (MINIO_BUCKET overrides). */
export function cropBucket(
  env: (n: string) => string | undefined = (n) => Deno.env.get(n),
): string {
  return env("MINIO_BUCKET") ?? "stopline";
}

export function objectStoreFromEnv(
  env: (n: string) => string | undefined = (n) => Deno.env.get(n),
  defaultDir = ".data/objects",
): ObjectStore {
  const endpoint = env("MINIO_ENDPOINT");
  if (endpoint) {
    const accessKey = env("MINIO_ACCESS_KEY");
    const secretKey = env("MINIO_SECRET_KEY");
    if (!accessKey || !secretKey) {
      throw new Error("MINIO_ENDPOINT is set but MINIO_ACCESS_KEY / MINIO_SECRET_KEY are not");
    }
    return new MinioObjectStore({ endpoint, accessKey, secretKey, region: env("MINIO_REGION") });
  }
  return new LocalObjectStore(env("STOPLINE_OBJECTS_DIR") ?? defaultDir);
}
