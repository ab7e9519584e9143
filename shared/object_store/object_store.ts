/** The object store interface: MinIO/S3 in production, a local directory in `deno task dev`. */

export interface StoredObject {
  data: Uint8Array;
  contentType: string;
}

export interface ObjectStore {
  /** Store bytes; returns the `minio://bucket/key` uri. Overwrites (puts are idempotent). */
  put(uri: string, data: Uint8Array, contentType: string): Promise<void>;
  /** The object, or null if there is none. */
  get(uri: string): Promise<StoredObject | null>;
  /** Remove; removing a missing object is not an error. */
  delete(uri: string): Promise<void>;
  /** Keys under a prefix (for listings and tests). */
  list(bucket: string, prefix: string): Promise<string[]>;
  readonly kind: "local" | "minio";
}
