/**
 * A process that publishes through the MQTT bridge, for the Last Will test (bridge_test.ts kills
 * it with SIGKILL). Takes the MQTT_* environment like the analyzer; prints "connected" once.
 */
import { mqttBridgeFromEnv } from "./from_env.ts";

const bridge = mqttBridgeFromEnv((n) => Deno.env.get(n), (m) => console.error(m));
if (!bridge) throw new Error("MQTT_URL is not set");
bridge.setCameras(["cam_child"]);
const poll = setInterval(() => {
  if (!bridge.connected) return;
  console.log("connected");
  clearInterval(poll);
}, 20);
