/**
 * The settings file schema (ARCHITECTURE §4b). Geometry is normalized to the source frame.
 * Validation errors carry the path of every bad field.
 */
import { z } from "zod";
import { DEFAULT_CLASSES } from "./labels.ts";
import { parse as parseYaml } from "yaml";
import { type Anchor, ANCHORS } from "./geometry.ts";
import { quadrilateralProblem } from "./homography.ts";
import { sourcePolicyFromEnv, sourceProblem } from "./camera_source.ts";
import { substituteConfigEnv } from "./config_env.ts";
import { allowNetsFromEnv, notifyUrlProblem } from "./notify_address.ts";
import { NotificationsSchema } from "./notify_rules.ts";

const unit = z.number().min(0).max(1);
const point = z.tuple([unit, unit]);

export const ZonesSchema = z.object({
  stop_zone: z.array(point).min(3).max(32),
  pre_stop_line: z.tuple([point, point]).optional(),
  capture_line: z.tuple([point, point]).optional(),
}).strict();

const groundPoint = z.tuple([z.number(), z.number()]);

/**
 * Four road points seen in the image (normalized, as zones) and measured on the road (metres,
 * any origin): the homography between them gives road positions and speeds in m/s. Each set
 * must be a non-degenerate quadrilateral in the order given (the same order in both).
 */
export const CalibrationSchema = z.object({
  image: z.tuple([point, point, point, point]),
  ground: z.tuple([groundPoint, groundPoint, groundPoint, groundPoint]),
}).strict().superRefine((c, ctx) => {
  for (const key of ["image", "ground"] as const) {
    const problem = quadrilateralProblem(c[key]);
    if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem });
  }
});

export type Calibration = z.infer<typeof CalibrationSchema>;

/** Road-speed thresholds used when the camera is calibrated and the config gives none. */
export const DEFAULT_STOP_SPEED_MPS = 0.5;
export const DEFAULT_ROLLING_SPEED_MPS = 3.0;

export const StopSchema = z.object({
  stop_speed_px_s: z.number().positive().default(10),
  full_stop_min_s: z.number().nonnegative().default(0.5),
  rolling_speed_px_s: z.number().positive().default(40),
  parked_after_s: z.number().positive().default(60),
  /**
   * The anchor must stay inside this long (capture time) before an entry counts (edge flicker);
   * runs outside shorter than exit_debounce_s do not break it, as they do not end a visit.
   */
  enter_debounce_s: z.number().nonnegative().default(0.2),
  /** The anchor must stay outside this long before an exit counts (edge flicker, box jitter). */
  exit_debounce_s: z.number().nonnegative().default(0.3),
  /** A stop continues through speed blips over stop_speed_px_s shorter than this (box jitter). */
  stop_bridge_s: z.number().nonnegative().default(0.3),
  /** After the exit, a pass waits at most this long for the capture line before it is final. */
  finalize_after_exit_s: z.number().nonnegative().default(2),
  /** Forget a track not seen for this long even if the tracker never reported its end. */
  track_timeout_s: z.number().positive().default(10),
  /** Calibrated cameras: "stopped" at or below this road speed, m/s (default 0.5). */
  stop_speed_mps: z.number().positive().optional(),
  /** Calibrated cameras: a rolling stop at or below this road speed, m/s (default 3.0). */
  rolling_speed_mps: z.number().positive().optional(),
}).strict();

export type StopSettings = z.infer<typeof StopSchema>;

/**
 * What a camera's evidence blurs (issue #13 §6): `person` (the detector's person boxes) and
 * `plate` (text found on the vehicle by PP-OCRv4's text detector; ARCHITECTURE §4b).
 */
export const PRIVACY_BLUR = ["person", "plate"] as const;
export const PrivacySchema = z.object({
  blur: z.array(z.enum(PRIVACY_BLUR)).default([]),
  /** Re-encode each pass clip with what `blur` names pixelated in every frame (people, plates). */
  clips: z.boolean().default(false),
  /**
   * Also store the unblurred crop (and, with `clips`, the remuxed clip) under `originals/`
   * (admins only); default: never kept.
   */
  keep_originals: z.boolean().default(false),
}).strict();
export type Zones = z.infer<typeof ZonesSchema>;

export const CameraSchema = z.object({
  source: z.string().min(1),
  /** Loop a file source at real time (the dev default behaves like a live camera). */
  loop: z.boolean().default(false),
  detect: z.object({
    fps: z.number().positive().max(60).default(15),
    /**
     * The detection confidence that starts a track (weaker ones, >= 0.1, only keep tracks). 0.4:
     * every ground-truth scene, real clip and bundled config is tuned and tested at it; at 0.35
     * (the default until 2026-11-30) the TfL clips at 15 fps gave 31 / 40 / 25 tracks for
     * london_street / london_street_2 / london_hyde_park against 16 / 29 / 21 at 0.4.
     */
    min_conf: z.number().min(0).max(1).default(0.4),
    /** A box larger than this share of the frame never starts a track (a detector error). */
    max_box_area: z.number().gt(0).max(1).default(0.5),
    /**
     * Far vehicles: `auto` also runs the detector on model-input-sized crops around small tracks
     * and small motion near the approach path (stop zone, pre-stop line and between) when the
     * camera has zones, at most 2 per frame and only while something small is there
     * (analyzer/pipeline/regions.ts); `off`: full frame only. On by default: on a quiet street it
     * costs ~1.1x the full frame's inferences (docs/PERFORMANCE.md "Detection regions").
     */
    regions: z.enum(["auto", "off"]).default("auto"),
    /**
     * Low light: `auto` smooths and gains (at most 2.5x) each dark detector input (the full frame
     * and each region on its own; mean luma < 70 of 255) before the model, as a camera's night
     * gain does (analyzer/detector/low_light.ts); `off`: the pixels as decoded. Bright inputs are
     * untouched. Auto by default: the dusk draws of held-out seeds 1-6 went from 7 to 9 of 13
     * clean, s4_1 from no pass to one (docs/PERFORMANCE.md "Low light").
     */
    low_light: z.enum(["auto", "off"]).default("auto"),
    /**
     * Run the detector only when something moves on the approach path (or anywhere without
     * zones) or a confirmed track moves, and every `stationary_interval_s`; the other frames'
     * ticks carry the tracks predicted forward (issue #16 §1). On by default: every ground-truth
     * scene, at its rate and at half of it, gives the same passes, verdicts and stops within
     * 0.1 s as always-detect (analyzer/pipeline/motion_gating_test.ts).
     */
    motion_gating: z.boolean().default(true),
    /** With motion gating: stationary tracks are re-detected at least this often, s. */
    stationary_interval_s: z.number().positive().max(60).default(1),
  }).strict().default({
    fps: 15,
    min_conf: 0.4,
    max_box_area: 0.5,
    regions: "auto",
    low_light: "auto",
    motion_gating: true,
    stationary_interval_s: 1,
  }),
  classes: z.array(z.string().min(1)).min(1).default([...DEFAULT_CLASSES]),
  /**
   * The point of a vehicle's box that zones, lines, dwell and speed judge: bottom_center (where
   * it touches the road, right under perspective) or center (a camera looking straight down).
   */
  anchor: z.enum(ANCHORS as [Anchor, ...Anchor[]]).default("bottom_center"),
  zones: ZonesSchema.optional(),
  /** Ground-plane calibration: speeds and verdict thresholds in m/s. */
  calibration: CalibrationSchema.optional(),
  stop: StopSchema.optional(),
  /** The rolling recording clips are cut from (dev recorder; MediaMTX's recordDeleteAfter on a site). */
  record: z.object({
    retain_minutes: z.number().positive().max(24 * 60).default(10),
  }).strict().default({ retain_minutes: 10 }),
  /** A replay clip per judged pass: entered_at - pre_roll_s .. exited_at + post_roll_s. */
  clips: z.object({
    enabled: z.boolean().default(true),
    pre_roll_s: z.number().min(0).max(60).default(3),
    post_roll_s: z.number().min(0).max(60).default(3),
  }).strict().default({ enabled: true, pre_roll_s: 3, post_roll_s: 3 }),
  /**
   * Privacy of published evidence: `blur: [person, plate]` pixelates people and licence plates in
   * every crop before it is stored; the original is not kept unless `keep_originals`.
   */
  privacy: PrivacySchema.optional(),
  /**
   * Publish `<camera>_annotated`: boxes, ids, the zone and stop timers burned into the video
   * (issue #14 §6), for players that cannot draw the overlay. Costs an x264 encode per camera.
   */
  annotated: z.boolean().default(false),
}).strict().superRefine((c, ctx) => {
  // m/s thresholds mean nothing without a calibration: refuse rather than silently use px/s.
  if (c.calibration) return;
  for (const key of ["stop_speed_mps", "rolling_speed_mps"] as const) {
    if (c.stop?.[key] !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["stop", key],
        message: "an m/s threshold needs the camera's calibration",
      });
    }
  }
});

/**
 * How long each kind of data is kept, in days (absent: forever). A pass with `keep` and its
 * evidence are never deleted. See functions/retention/retention.ts.
 */
export const RetentionSchema = z.object({
  /** Per-track state samples (car_state_history); a pass keeps its own samples. */
  samples_days: z.number().positive().optional(),
  track_events_days: z.number().positive().optional(),
  /** Status rows of cameras that stopped reporting. */
  camera_status_days: z.number().positive().optional(),
  clips_days: z.number().positive().optional(),
  crops_days: z.number().positive().optional(),
  passes_days: z.number().positive().optional(),
}).strict();

export type RetentionSettings = z.infer<typeof RetentionSchema>;

export const ConfigSchema = z.object({
  /** What the UI shows speeds in: km/h (metric) or mph (imperial). */
  units: z.enum(["metric", "imperial"]).default("metric"),
  retention: RetentionSchema.optional(),
  cameras: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), CameraSchema).refine(
    (c) => Object.keys(c).length > 0,
    "at least one camera",
  ),
  /** Webhook and Web Push rules (shared/notify_rules.ts). */
  notifications: NotificationsSchema.optional(),
}).strict();

export type CameraConfig = z.infer<typeof CameraSchema>;
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join("; "));
    this.name = "ConfigError";
  }
}

/** Validate a parsed object; throws ConfigError listing the path of every bad field. */
export function validateConfig(value: unknown): Config {
  const r = ConfigSchema.safeParse(value);
  if (r.success) return r.data;
  throw new ConfigError(
    r.error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message })),
  );
}

/**
 * Options for every YAML parse of a config: warnings are kept on the document, never printed
 * (the yaml package prints them with the raw source line, which can hold a camera password),
 * and error messages carry a position, not the source line.
 */
export const QUIET_YAML = { logLevel: "error", prettyErrors: false } as const;

export interface ParseConfigOptions {
  /**
   * false: check each `${NAME}` reference against the allow-list but keep it as written (the
   * config API and camera listings: they must never hold, show or return a secret value).
   */
  substitute?: boolean;
  /**
   * false: skip the camera source rules (the offline CLI, which uses only its own `--source` and
   * reads the config for zones and thresholds).
   */
  checkSources?: boolean;
}

/**
 * Parse YAML text into a validated config: `${NAME}` substitution limited to camera secrets
 * (shared/config_env.ts), then the schema, then the camera source rules (shared/camera_source.ts)
 * under `STOPLINE_MEDIA_DIR`. Every problem is a ConfigError issue naming its field.
 */
export function parseConfigYaml(
  text: string,
  env: (name: string) => string | undefined = () => undefined,
  opts: ParseConfigOptions = {},
): Config {
  let doc: unknown;
  try {
    doc = parseYaml(text, QUIET_YAML);
  } catch (e) {
    throw new ConfigError([{ path: "(yaml)", message: (e as Error).message.split("\n")[0] }]);
  }
  const substitute = opts.substitute ?? true;
  const { value, issues } = substituteConfigEnv(doc, env, substitute);
  let config: Config;
  try {
    config = validateConfig(value);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError([...issues, ...e.issues]);
    throw e;
  }
  if (opts.checkSources ?? true) {
    const policy = sourcePolicyFromEnv(env);
    for (const [id, cam] of Object.entries(config.cameras)) {
      // A source made from references is only known where the secrets are (the analyzer).
      if (!substitute && cam.source.startsWith("${")) continue;
      const source = substitute ? cam.source : cam.source.replace(/\$\{[A-Za-z0-9_]+\}/g, "x");
      const problem = sourceProblem(source, policy);
      if (problem) issues.push({ path: `cameras.${id}.source`, message: problem });
    }
  }
  const allowNets = allowNetsFromEnv(env);
  for (const [i, rule] of (config.notifications ?? []).entries()) {
    // A URL made from references is only known where the secrets are (the analyzer).
    if (!rule.webhook || (!substitute && rule.webhook.url.includes("${"))) continue;
    const problem = notifyUrlProblem(rule.webhook.url, "webhook", allowNets);
    if (problem) issues.push({ path: `notifications.${i}.webhook.url`, message: problem });
  }
  if (issues.length) throw new ConfigError(issues);
  return config;
}

export { redactSecrets, redactSource } from "./redact.ts";
