/** The object store on MinIO (or any S3 peer) through npm:minio. */
import * as Minio from "minio";
import type { ObjectStore, StoredObject } from "./object_store.ts";
import { parseObjectUri } from "./uri.ts";

export interface MinioSettings {
  /** e.g. http://minio:9000 */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region?: string;
}

export class MinioObjectStore implements ObjectStore {
  readonly kind = "minio";
  readonly #client: Minio.Client;
  readonly #buckets = new Set<string>();

  constructor(s: MinioSettings) {
    const u = new URL(s.endpoint);
    this.#client = new Minio.Client({
      endPoint: u.hostname,
      port: u.port ? Number(u.port) : undefined,
      useSSL: u.protocol === "https:",
      accessKey: s.accessKey,
      secretKey: s.secretKey,
      region: s.region ?? "us-east-1",
      pathStyle: true,
    });
  }

  async #ensureBucket(bucket: string): Promise<void> {
    if (this.#buckets.has(bucket)) return;
    if (!(await this.#client.bucketExists(bucket))) {
      await this.#client.makeBucket(bucket).catch(async (e) => {
        // Another writer may have created it in between.
        if (!(await this.#client.bucketExists(bucket))) throw e;
      });
    }
    this.#buckets.add(bucket);
  }

  async put(uri: string, data: Uint8Array, contentType: string): Promise<void> {
    const { bucket, key } = parseObjectUri(uri);
    await this.#ensureBucket(bucket);
    // Single PUT (no multipart): crops and models are far below the 5 GiB single-PUT limit.
    await this.#client.putObject(bucket, key, Buffer.from(data), data.byteLength, {
      "Content-Type": contentType,
    });
  }

  async get(uri: string): Promise<StoredObject | null> {
    const { bucket, key } = parseObjectUri(uri);
    try {
      const stat = await this.#client.statObject(bucket, key);
      const stream = await this.#client.getObject(bucket, key);
      const chunks: Uint8Array[] = [];
      for await (const c of stream) chunks.push(c as Uint8Array);
      const data = new Uint8Array(Buffer.concat(chunks));
      const ct = (stat.metaData?.["content-type"] as string | undefined) ??
        "application/octet-stream";
      return { data, contentType: ct };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "NotFound" || code === "NoSuchKey" || code === "NoSuchBucket") return null;
      throw e;
    }
  }

  async delete(uri: string): Promise<void> {
    const { bucket, key } = parseObjectUri(uri);
    await this.#client.removeObject(bucket, key).catch((e) => {
      const code = (e as { code?: string }).code;
      if (code !== "NoSuchKey" && code !== "NoSuchBucket") throw e;
    });
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const o of this.#client.listObjectsV2(bucket, prefix, true)) {
        if ((o as { name?: string }).name) out.push((o as { name: string }).name);
      }
    } catch (e) {
      if ((e as { code?: string }).code === "NoSuchBucket") return [];
      throw e;
    }
    return out.sort();
  }
}
