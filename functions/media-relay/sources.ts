/**
 * Camera sources for the dev relay from the settings file (ARCHITECTURE §4b). Re-read when the
 * file changes, so a source edited in config reaches the next client without a restart.
 */
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  annotatedSocketDir,
  annotatedSocketUrl,
  ensureAnnotatedSocketDir,
} from "../../shared/annotated_socket.ts";
import { parseConfigYaml, redactSecrets } from "../../shared/config.ts";
import { annotatedPath } from "../../shared/media_paths.ts";
import type { SourceSpec } from "./live_fmp4.ts";

const _REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const _URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Sources from a YAML config (default `STOPLINE_CONFIG` or `config/stopline.yaml`). A camera
 * with `annotated: true` also gets `<cam>_annotated`: the relay listens on its Unix socket
 * (shared/annotated_socket.ts) for the analyzer's MPEG-TS.
 */
export function configSources(
  path?: string,
  annotatedDir = annotatedSocketDir((n) => Deno.env.get(n)),
): () => Map<string, SourceSpec> {
  const file = path ?? Deno.env.get("STOPLINE_CONFIG") ?? join(_REPO_ROOT, "config/stopline.yaml");
  let cache: { mtime: number; map: Map<string, SourceSpec> } | undefined;
  return () => {
    try {
      const mtime = Deno.statSync(file).mtime?.getTime() ?? 0;
      if (cache && cache.mtime === mtime) return cache.map;
      const config = parseConfigYaml(Deno.readTextFileSync(file), (n) => Deno.env.get(n));
      const map = new Map<string, SourceSpec>();
      for (const [id, cam] of Object.entries(config.cameras)) {
        map.set(id, { source: resolveSource(cam.source), loop: cam.loop });
        if (cam.annotated) {
          ensureAnnotatedSocketDir(annotatedDir);
          map.set(annotatedPath(id), { source: annotatedSocketUrl(annotatedDir, id), loop: false });
        }
      }
      cache = { mtime, map };
      return map;
    } catch (e) {
      // Keep serving the last good config; the message never contains a raw source URL.
      console.error(`[media-relay] config ${file}: ${redactSecrets((e as Error).message)}`);
      return cache?.map ?? new Map();
    }
  };
}

/** File sources in config are relative to the repo root, not to the process cwd. */
export function resolveSource(source: string): string {
  if (_URL_SCHEME.test(source) || isAbsolute(source)) return source;
  return join(_REPO_ROOT, source);
}
