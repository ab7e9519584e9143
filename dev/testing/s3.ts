/**
 * A real S3 protocol peer for tests: s3rver (npm) on a free port with a temporary directory.
 * It speaks S3 over HTTP but never checks signatures and has no multipart uploads.
 */
import S3rver from "s3rver";

export interface TestS3 {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  close(): Promise<void>;
}

export async function startTestS3(port = 0): Promise<TestS3> {
  const dir = await Deno.makeTempDir({ prefix: "stopline-s3-" });
  const server = new S3rver({ port, address: "127.0.0.1", silent: true, directory: dir });
  const addr = await server.run() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${addr.port}`,
    accessKey: "S3RVER",
    secretKey: "S3RVER",
    async close() {
      await server.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
