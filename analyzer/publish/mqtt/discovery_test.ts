import assert from "node:assert/strict";
import { cameraDiscovery, cameraDiscoveryRemoval, haStatusTopic } from "./discovery.ts";

const opts = { topicPrefix: "stopline", discoveryPrefix: "homeassistant" };

Deno.test("discovery: five sensors and one binary sensor per camera, one device, shared availability", () => {
  // The sensors come first; the analysis switch (last) has its own test below.
  const msgs = cameraDiscovery("cam_02", opts).slice(0, 6);
  assert.deepEqual(msgs.map((m) => m.topic), [
    "homeassistant/sensor/stopline_cam_02/passes_today/config",
    "homeassistant/sensor/stopline_cam_02/violations_today/config",
    "homeassistant/sensor/stopline_cam_02/full_stop_share/config",
    "homeassistant/sensor/stopline_cam_02/last_verdict/config",
    "homeassistant/sensor/stopline_cam_02/fps/config",
    "homeassistant/binary_sensor/stopline_cam_02/vehicle_in_zone/config",
  ]);
  const configs = msgs.map((m) => JSON.parse(m.payload));
  const ids = new Set(configs.map((c) => c.unique_id));
  assert.equal(ids.size, 6, "unique ids are unique");
  for (const c of configs) {
    assert.equal(c.state_topic, "stopline/cam_02/status");
    assert.equal(c.availability_topic, "stopline/available");
    assert.deepEqual(c.device.identifiers, ["stopline_cam_02"]);
    assert.match(c.value_template, /value_json\./);
  }
  const share = configs.find((c) => c.unique_id === "stopline_cam_02_full_stop_share");
  assert.equal(share.unit_of_measurement, "%");
  const zone = configs.find((c) => c.unique_id === "stopline_cam_02_vehicle_in_zone");
  assert.equal(zone.payload_on, "ON");
  assert.equal(zone.device_class, "occupancy");
  assert.equal(haStatusTopic("homeassistant"), "homeassistant/status");
});

Deno.test("discovery: removal is an empty payload on every config topic", () => {
  const removal = cameraDiscoveryRemoval("cam_02", opts);
  assert.equal(removal.length, 7, "six sensors and the analysis switch");
  assert.ok(removal.every((m) => m.payload === "" && m.topic.endsWith("/config")));
});

Deno.test("discovery: a per-camera analysis switch commanding set/enabled, state from enabled", () => {
  const msgs = cameraDiscovery("cam_02", opts);
  assert.equal(msgs.length, 7);
  const sw = msgs.at(-1)!;
  assert.equal(sw.topic, "homeassistant/switch/stopline_cam_02/analysis/config");
  const c = JSON.parse(sw.payload);
  assert.equal(c.unique_id, "stopline_cam_02_analysis");
  assert.equal(c.command_topic, "stopline/cam_02/set/enabled");
  assert.equal(c.state_topic, "stopline/cam_02/enabled");
  assert.equal(c.payload_on, "ON");
  assert.equal(c.payload_off, "OFF");
  assert.equal(c.state_on, "ON");
  assert.equal(c.state_off, "OFF");
  assert.equal(c.availability_topic, "stopline/available");
  assert.deepEqual(c.device.identifiers, ["stopline_cam_02"]);
});
