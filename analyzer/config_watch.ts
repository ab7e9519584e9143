/**
 * Hot reload: the settings file is re-read when it changes on disk or when a `stopline_config`
 * notification says a new revision was saved. A config that does not validate is rejected with
 * the path of every bad field, and the running config stays.
 */
import { type Config, parseConfigYaml, redactSecrets } from "../shared/config.ts";
import { CONFIG_CHANNEL } from "../shared/channels.ts";
import { listen, type PgListener } from "../shared/db/pg_listener.ts";

export interface ConfigWatcher {
  close(): Promise<void>;
}

export function watchConfig(opts: {
  path: string;
  databaseUrl?: string;
  env: (n: string) => string | undefined;
  onConfig: (cfg: Config) => void;
  log: (m: string) => void;
  debounceMs?: number;
}): ConfigWatcher {
  let last = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reload = async (why: string) => {
    let text: string;
    try {
      text = await Deno.readTextFile(opts.path);
    } catch (e) {
      opts.log(`config ${opts.path} unreadable (${(e as Error).message}); keeping the current one`);
      return;
    }
    if (text === last) return;
    try {
      const cfg = parseConfigYaml(text, opts.env);
      last = text;
      opts.log(`config reloaded (${why})`);
      opts.onConfig(cfg);
    } catch (e) {
      opts.log(`config rejected, keeping the current one: ${redactSecrets((e as Error).message)}`);
    }
  };
  const schedule = (why: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => reload(why), opts.debounceMs ?? 100);
  };
  // Initial text, so the first event only reloads a real change.
  Deno.readTextFile(opts.path).then((t) => (last = t)).catch(() => {});

  const watcher = Deno.watchFs(_dirOf(opts.path));
  (async () => {
    try {
      for await (const ev of watcher) {
        // Editors and the config function replace the file (rename): match by name.
        if (ev.paths.some((p) => p === opts.path || p.endsWith(`/${_baseOf(opts.path)}`))) {
          schedule("file changed");
        }
      }
    } catch { /* watcher closed */ }
  })();
  const listener: PgListener | null = opts.databaseUrl
    ? listen(opts.databaseUrl, CONFIG_CHANNEL, () => schedule("notification"), { log: opts.log })
    : null;
  return {
    async close() {
      clearTimeout(timer);
      watcher.close();
      await listener?.close();
    },
  };
}

function _dirOf(p: string): string {
  const i = p.lastIndexOf("/");
  return i > 0 ? p.slice(0, i) : ".";
}

function _baseOf(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}
