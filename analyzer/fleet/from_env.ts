/**
 * Fleet mode from the environment: ANALYZER_FLEET=1, ANALYZER_FLEET_ID (default: host name, pid
 * and a random suffix, unique per process), ANALYZER_MAX_CAMERAS (default DEFAULT_MAX_CAMERAS),
 * ANALYZER_FLEET_URL (this analyzer's health base URL as others reach it, shown on the stats
 * page; optional).
 */
import { DEFAULT_MAX_CAMERAS, FleetMemberLoop, type FleetMemberOptions } from "./fleet_member.ts";

export function fleetFromEnv(
  env: (n: string) => string | undefined,
  opts: Omit<FleetMemberOptions, "holder" | "maxCameras" | "healthUrl">,
): FleetMemberLoop {
  const maxCameras = Number(env("ANALYZER_MAX_CAMERAS") ?? DEFAULT_MAX_CAMERAS);
  if (!Number.isInteger(maxCameras) || maxCameras < 0) {
    throw new Error(`ANALYZER_MAX_CAMERAS must be a whole number >= 0, not ${maxCameras}`);
  }
  const holder = env("ANALYZER_FLEET_ID") ||
    `${Deno.hostname()}-${Deno.pid}-${crypto.randomUUID().slice(0, 4)}`;
  return new FleetMemberLoop({
    ...opts,
    holder: holder.slice(0, 200),
    maxCameras,
    healthUrl: env("ANALYZER_FLEET_URL") || null,
  });
}
