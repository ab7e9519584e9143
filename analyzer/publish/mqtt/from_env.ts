/**
 * The MQTT bridge from the environment; off (null) without MQTT_URL.
 *
 *   MQTT_URL               mqtt://host:1883, or mqtts://host:8883 for TLS
 *   MQTT_USERNAME          optional
 *   MQTT_PASSWORD          optional; never logged
 *   MQTT_CA_FILE           optional PEM of a private CA (mqtts:// with a self-signed broker)
 *   MQTT_CLIENT_ID         default stopline-<hostname>
 *   MQTT_TOPIC_PREFIX      default stopline
 *   MQTT_DISCOVERY_PREFIX  Home Assistant's discovery prefix, default homeassistant; `off` = none
 */
import { MqttBridge } from "./bridge.ts";
import { redactUrl } from "./client.ts";
import { DEFAULT_DISCOVERY_PREFIX } from "./discovery.ts";
import { DEFAULT_TOPIC_PREFIX } from "./topics.ts";

const _TOPIC_LEVELS = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

export function mqttBridgeFromEnv(
  env: (name: string) => string | undefined,
  log: (msg: string) => void = () => {},
  /** Runtime control: a `set/enabled` command (see bridge.ts). */
  onSetEnabled?: (camera: string, enabled: boolean) => void,
): MqttBridge | null {
  const url = env("MQTT_URL");
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`MQTT_URL is not a URL: ${redactUrl(url)}`);
  }
  if (!["mqtt:", "mqtts:", "ws:", "wss:"].includes(parsed.protocol)) {
    throw new Error(`MQTT_URL must be mqtt://, mqtts://, ws:// or wss://, not ${parsed.protocol}`);
  }
  const topicPrefix = env("MQTT_TOPIC_PREFIX") || DEFAULT_TOPIC_PREFIX;
  const discovery = env("MQTT_DISCOVERY_PREFIX") || DEFAULT_DISCOVERY_PREFIX;
  for (
    const [name, value] of [["MQTT_TOPIC_PREFIX", topicPrefix], [
      "MQTT_DISCOVERY_PREFIX",
      discovery,
    ]]
  ) {
    if (!_TOPIC_LEVELS.test(value)) {
      throw new Error(`${name} must be topic levels of [A-Za-z0-9_-] joined by /, not ${value}`);
    }
  }
  const caFile = env("MQTT_CA_FILE");
  const bridge = new MqttBridge({
    url,
    username: env("MQTT_USERNAME") || undefined,
    password: env("MQTT_PASSWORD") || undefined,
    caPem: caFile ? Deno.readTextFileSync(caFile) : undefined,
    clientId: env("MQTT_CLIENT_ID") || `stopline-${Deno.hostname()}`,
    topicPrefix,
    discoveryPrefix: discovery === "off" ? null : discovery,
    log,
    onSetEnabled,
  });
  log(`mqtt: publishing to ${redactUrl(url)} under ${topicPrefix}/`);
  return bridge;
}
