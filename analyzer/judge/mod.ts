/** The stop judge (ARCHITECTURE §4 "Stop judgement"): pure logic from tracks to passes. */
export {
  type JudgeFrame,
  type JudgeOptions,
  type JudgeOutput,
  type JudgeTrack,
  StopJudge,
  type TrackPhaseInfo,
} from "./stop_judge.ts";
export {
  betterCapture,
  type CaptureRequest,
  type Pass,
  passId,
  type PassQuality,
  type PassSample,
  type StopStats,
  stopStats,
  type TickPhase,
  verdictOf,
} from "./pass.ts";
export {
  crossingDirection,
  CrossingTracker,
  type Line,
  pointInPolygon,
  polygonArea,
  polygonCentroid,
  segmentsIntersect,
  type Side,
  sideOfLine,
  toPixels,
} from "./zone_geometry.ts";
