/** A settings file for the config tests: a camera password, an env reference, a token. */
export const CONFIG_YAML = `# stopline settings (test)
cameras:
  cam_01:
    source: rtsp://admin:s3cr3t@10.0.0.5:554/stream1 # the gate camera
    detect: { fps: 10, min_conf: 0.4 }
    classes: [car, truck]
    zones:
      stop_zone: [[0.30, 0.45], [0.55, 0.45], [0.55, 0.70], [0.30, 0.70]]
  cam_02:
    source: rtsp://viewer:\${STOPLINE_CAM_02_PASSWORD}@10.0.0.6/live?token=abc123
    loop: false
`;
