/**
 * Home Assistant MQTT discovery: retained config messages on
 * `<discovery_prefix>/<component>/<node_id>/<object_id>/config` that make HA create, per camera,
 * one device with five sensors and one binary sensor, all reading the retained
 * `stopline/<camera>/status` JSON through a value_template and going unavailable with
 * `stopline/available`. An empty retained payload on the same topic removes an entity.
 *
 * Per camera also a switch "Analysis" (runtime control, issue #15 §5): state from the retained
 * `stopline/<camera>/enabled`, commands to `stopline/<camera>/set/enabled` (ON/OFF).
 */
import { availableTopic, cameraTopic } from "./topics.ts";

export const DEFAULT_DISCOVERY_PREFIX = "homeassistant";

/** The topic Home Assistant announces itself on; `online` asks for discovery again. */
export function haStatusTopic(discoveryPrefix: string): string {
  return `${discoveryPrefix}/status`;
}

interface _Entity {
  component: "sensor" | "binary_sensor";
  object_id: string;
  name: string;
  value_template: string;
  extra: Record<string, unknown>;
}

/** The entities of one camera (object ids are part of unique ids: never rename them). */
const _ENTITIES: readonly _Entity[] = [
  {
    component: "sensor",
    object_id: "passes_today",
    name: "Passes today",
    value_template: "{{ value_json.passes_today }}",
    extra: { state_class: "total_increasing", icon: "mdi:car-multiple" },
  },
  {
    component: "sensor",
    object_id: "violations_today",
    name: "Violations today",
    value_template: "{{ value_json.violations_today }}",
    extra: { state_class: "total_increasing", icon: "mdi:car-brake-alert" },
  },
  {
    component: "sensor",
    object_id: "full_stop_share",
    name: "Full-stop share",
    // No pass yet today: unknown rather than a misleading 0 %.
    value_template:
      "{{ value_json.full_stop_share_pct if value_json.full_stop_share_pct is not none else 'unknown' }}",
    extra: { state_class: "measurement", unit_of_measurement: "%", icon: "mdi:octagon" },
  },
  {
    component: "sensor",
    object_id: "last_verdict",
    name: "Last verdict",
    value_template: "{{ value_json.last_verdict or 'unknown' }}",
    extra: { icon: "mdi:gavel" },
  },
  {
    component: "sensor",
    object_id: "fps",
    name: "Analyzed fps",
    value_template: "{{ value_json.fps | round(1) }}",
    extra: {
      state_class: "measurement",
      unit_of_measurement: "fps",
      entity_category: "diagnostic",
      icon: "mdi:speedometer",
    },
  },
  {
    component: "binary_sensor",
    object_id: "vehicle_in_zone",
    name: "Vehicle in the stop zone",
    value_template: "{{ 'ON' if value_json.vehicle_in_zone else 'OFF' }}",
    extra: { device_class: "occupancy", payload_on: "ON", payload_off: "OFF" },
  },
];

export interface DiscoveryMessage {
  topic: string;
  /** JSON config, or "" to remove the entity. */
  payload: string;
}

/** The node id of a camera's device: topic-safe (camera ids are [A-Za-z0-9_-]). */
export function nodeId(camera: string): string {
  return `stopline_${camera}`;
}

/** Retained discovery configs for one camera. */
export function cameraDiscovery(
  camera: string,
  opts: { topicPrefix: string; discoveryPrefix: string; swVersion?: string },
): DiscoveryMessage[] {
  const node = nodeId(camera);
  const device = {
    identifiers: [node],
    name: `Stopline ${camera}`,
    manufacturer: "stopline",
    model: "Stop-sign analyzer camera",
    ...(opts.swVersion ? { sw_version: opts.swVersion } : {}),
  };
  const common = {
    availability_topic: availableTopic(opts.topicPrefix),
    payload_available: "online",
    payload_not_available: "offline",
    device,
    origin: { name: "stopline" },
  };
  const analysisSwitch: DiscoveryMessage = {
    topic: `${opts.discoveryPrefix}/switch/${node}/analysis/config`,
    payload: JSON.stringify({
      name: "Analysis",
      unique_id: `${node}_analysis`,
      state_topic: cameraTopic(opts.topicPrefix, camera, "enabled"),
      command_topic: cameraTopic(opts.topicPrefix, camera, "set/enabled"),
      payload_on: "ON",
      payload_off: "OFF",
      state_on: "ON",
      state_off: "OFF",
      // The analyzer owns the state (it is durable in Postgres): HA must not retain commands.
      retain: false,
      optimistic: false,
      icon: "mdi:cctv",
      entity_category: "config",
      ...common,
    }),
  };
  return [..._sensors(camera, opts, node, device), analysisSwitch];
}

function _sensors(
  camera: string,
  opts: { topicPrefix: string; discoveryPrefix: string },
  node: string,
  device: Record<string, unknown>,
): DiscoveryMessage[] {
  return _ENTITIES.map((e) => ({
    topic: `${opts.discoveryPrefix}/${e.component}/${node}/${e.object_id}/config`,
    payload: JSON.stringify({
      name: e.name,
      unique_id: `${node}_${e.object_id}`,
      state_topic: cameraTopic(opts.topicPrefix, camera, "status"),
      value_template: e.value_template,
      availability_topic: availableTopic(opts.topicPrefix),
      payload_available: "online",
      payload_not_available: "offline",
      device,
      origin: { name: "stopline" },
      ...e.extra,
    }),
  }));
}

/** Empty retained configs: Home Assistant removes the camera's entities. */
export function cameraDiscoveryRemoval(
  camera: string,
  opts: { topicPrefix: string; discoveryPrefix: string },
): DiscoveryMessage[] {
  return cameraDiscovery(camera, opts).map((m) => ({ topic: m.topic, payload: "" }));
}
