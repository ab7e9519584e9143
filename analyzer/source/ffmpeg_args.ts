/**
 * ffmpeg arguments that decode a camera source to raw RGB24 frames on stdout, with one
 * `showinfo` line per frame on stderr carrying its PTS.
 */

export interface SourceSpec {
  /** rtsp://, rtmp://, http(s)://, srt:// or a file path. */
  source: string;
  /** Loop a file forever (timestamps keep increasing). */
  loop?: boolean;
  /** Read a file at its native rate, like a live camera. False = as fast as possible (offline). */
  realtime?: boolean;
  /**
   * The media relay's `/media/<id>.mp4`: every connection sees the relay's stream time, so it is
   * read with `-copyts` and its readers share one capture timeline (stream_clock.ts).
   */
  sharedTimeline?: boolean;
}

export function isNetworkSource(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !source.startsWith("file://");
}

export function decodeArgs(spec: SourceSpec): string[] {
  const args = ["-hide_banner", "-nostats", "-nostdin", "-loglevel", "info"];
  if (/^rtsps?:\/\//i.test(spec.source)) args.push("-rtsp_transport", "tcp");
  if (isNetworkSource(spec.source)) {
    // Live sources: start fast (~300 ms to first frame, ARCHITECTURE §5) and never buffer up.
    args.push("-flags", "low_delay", "-analyzeduration", "0", "-probesize", "32");
    // The relay's stream time as it is, not shifted to 0 at this connection's first packet.
    if (spec.sharedTimeline) args.push("-copyts");
  } else {
    if (spec.realtime) args.push("-re");
    if (spec.loop) args.push("-stream_loop", "-1");
  }
  args.push(
    "-i",
    spec.source.replace(/^file:\/\//, ""),
    "-an",
    "-sn",
    "-dn",
    // Every decoded frame once, with its own PTS (no duplication or dropping by ffmpeg).
    "-vsync",
    "passthrough",
    "-vf",
    "showinfo=checksum=0",
    "-pix_fmt",
    "rgb24",
    "-f",
    "rawvideo",
    "pipe:1",
  );
  return args;
}
