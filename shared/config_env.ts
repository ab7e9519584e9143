/**
 * `${NAME}` in the settings file: camera secrets stay out of the file and out of git. Operators
 * edit the file (PUT /api/config), so a reference must not reach any other variable of the
 * process: `source: http://127.0.0.1:9/x/${STOPLINE_JWT_SECRET}` would hand the JWT key to
 * whoever reads the camera list or runs the server at that address. Only variables the
 * deployment declares as camera secrets may be referenced:
 * - names starting with `STOPLINE_CAM_` (e.g. `STOPLINE_CAM_01_PASSWORD`),
 * - names starting with `STOPLINE_HOOK_` (webhook secrets and URL tokens of `notifications:`;
 *   a rule's `secret_env` names one), and
 * - names listed in `STOPLINE_CONFIG_ENV_ALLOW` (comma separated),
 * and never stopline's own secrets, even when listed (`isOwnSecret`).
 *
 * Substitution applies inside string values after YAML parsing, so a value can never add keys or
 * change the document's structure. Every substituted value is registered as a secret with the
 * shared redaction, so no log line or error of this process shows it.
 */
import { registerSecret } from "./redact.ts";

export const CAMERA_SECRET_PREFIX = "STOPLINE_CAM_";
export const HOOK_SECRET_PREFIX = "STOPLINE_HOOK_";
export const CONFIG_ENV_ALLOW = "STOPLINE_CONFIG_ENV_ALLOW";

/** The variables stopline itself reads for keys, databases, object stores and media servers. */
const _OWN_SECRET_RE =
  /^(?:STOPLINE_(?!CAM_|HOOK_)|DATABASE_URL$|PG[A-Z]|POSTGRES|MINIO_|MEDIA_|MEDIAMTX_|SUPABASE_|AWS_|S3_|DENO_)|JWT/i;

const _REF_RE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A variable of stopline itself: never substituted into a config, whatever the allow-list says. */
export function isOwnSecret(name: string): boolean {
  return _OWN_SECRET_RE.test(name);
}

/** Whether `${name}` may be used in the settings file under this environment. */
export function configEnvAllowed(
  name: string,
  env: (name: string) => string | undefined,
): boolean {
  if (isOwnSecret(name)) return false;
  if (name.startsWith(CAMERA_SECRET_PREFIX) || name.startsWith(HOOK_SECRET_PREFIX)) return true;
  const listed = (env(CONFIG_ENV_ALLOW) ?? "").split(",").map((s) => s.trim());
  return listed.includes(name);
}

export interface EnvIssue {
  path: string;
  message: string;
}

/**
 * `value` (parsed YAML) with `${NAME}` replaced in every string (or kept as written when
 * `substitute` is false: the names are still checked), and an issue per disallowed reference.
 */
export function substituteConfigEnv(
  value: unknown,
  env: (name: string) => string | undefined,
  substitute = true,
): { value: unknown; issues: EnvIssue[] } {
  const issues: EnvIssue[] = [];
  const walk = (v: unknown, path: string[]): unknown => {
    if (typeof v === "string") return _substituteString(v, path, env, substitute, issues);
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, String(i)]));
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x, [...path, k])]),
      );
    }
    return v;
  };
  return { value: walk(value, []), issues };
}

function _substituteString(
  text: string,
  path: string[],
  env: (name: string) => string | undefined,
  substitute: boolean,
  issues: EnvIssue[],
): string {
  return text.replace(_REF_RE, (ref, name: string) => {
    if (!configEnvAllowed(name, env)) {
      issues.push({
        path: path.join(".") || "(root)",
        message: `\${${name}} may not be referenced: only ${CAMERA_SECRET_PREFIX}* and ` +
          `${HOOK_SECRET_PREFIX}* variables ` +
          `and names listed in ${CONFIG_ENV_ALLOW} can be (never stopline's own secrets)`,
      });
      return ref;
    }
    if (!substitute) return ref;
    const found = env(name) ?? "";
    registerSecret(found);
    return found;
  });
}
