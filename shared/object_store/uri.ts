/** Object references are `minio://bucket/key` whatever the backend (MinIO, S3 or a directory). */

export interface ObjectRef {
  bucket: string;
  key: string;
}

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// Keys: path segments of safe characters; no "..", no leading slash, no backslashes.
const KEY_RE = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._:=-]+(?:\/[A-Za-z0-9._:=-]+)*$/;

export function formatObjectUri(ref: ObjectRef): string {
  assertValidRef(ref);
  return `minio://${ref.bucket}/${ref.key}`;
}

export function parseObjectUri(uri: string): ObjectRef {
  const m = /^minio:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new Error(`not an object uri (minio://bucket/key): ${uri}`);
  const ref = { bucket: m[1], key: m[2] };
  assertValidRef(ref);
  return ref;
}

export function assertValidRef(ref: ObjectRef): void {
  if (!BUCKET_RE.test(ref.bucket)) throw new Error(`bad bucket name: ${ref.bucket}`);
  if (!KEY_RE.test(ref.key) || ref.key.length > 512) throw new Error(`bad object key: ${ref.key}`);
}
