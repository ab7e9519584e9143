#!/usr/bin/python3
"""A real RTSP camera for tests: gst-rtsp-server serving a live H.264 test pattern.

Usage: /usr/bin/python3 rtsp_camera.py PORT [PATH] [FPS]
Non-shared media: each reader gets its own pipeline, so a reader's PTS never jumps back when
another connects (shared mode does that, ARCHITECTURE §5). Prints "ready" once listening.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

port = sys.argv[1]
path = sys.argv[2] if len(sys.argv) > 2 else "/cam"
fps = int(sys.argv[3]) if len(sys.argv) > 3 else 10

Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate={fps}/1 "
    f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bframes=0 "
    "! rtph264pay name=pay0 pt=96 config-interval=1 )"
)
factory.set_shared(False)
server.get_mount_points().add_factory(path, factory)
if server.attach(None) == 0:
    sys.exit("could not listen on port " + port)
print("ready", flush=True)
GLib.MainLoop().run()
