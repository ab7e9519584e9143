/** Names shared by publishers and listeners of the realtime plane. */

/** Postgres NOTIFY channel carrying every camera's ticks and events (payload names the camera). */
export const TICK_CHANNEL = "stopline_ticks";

/** Camera ids: safe in URLs, channel names and object keys. */
export const CAMERA_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** NOTIFY channel announcing that a new config revision was saved (payload: revision id). */
export const CONFIG_CHANNEL = "stopline_config";

/** NOTIFY channel announcing that another model was activated (payload: model id). */
export const MODEL_CHANNEL = "stopline_model";

/**
 * NOTIFY channel announcing that a camera's analysis was paused or resumed (payload: camera id;
 * the state itself is the `camera_analysis` row, shared/db/analysis_state.ts).
 */
export const ANALYSIS_CHANNEL = "stopline_analysis";
