/** The analyzer's multi-object tracker: ByteTrack association, Kalman boxes, adaptive speed. */
export {
  ByteTracker,
  type ByteTrackOptions,
  classGroup,
  DEFAULT_BYTETRACK,
  type TrackState,
  type TrackView,
  type UpdateResult,
} from "./bytetrack.ts";
export { BoxKalman, DEFAULT_KALMAN, type KalmanOptions } from "./kalman.ts";
export { DEFAULT_VELOCITY, VelocityEstimator, type VelocityOptions } from "./velocity.ts";
export { type AssignmentResult, hungarian, linearAssignment } from "./assignment.ts";
