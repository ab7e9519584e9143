import assert from "node:assert/strict";
import { handleForPath, handleId, handlesOf, ZoneEditModel } from "./zone_model.ts";

const ZONES = {
  stop_zone: [[0.4, 0.2], [0.6, 0.2], [0.6, 0.6], [0.4, 0.6]] as [number, number][],
  pre_stop_line: [[0.22, 0.2], [0.22, 0.6]] as [[number, number], [number, number]],
};

Deno.test("zone model: drag is one undoable edit; revert; save clears undo", () => {
  const m = new ZoneEditModel(ZONES);
  assert.equal(m.dirty, false);
  m.beginEdit();
  m.movePoint({ key: "stop_zone", index: 1 }, [0.65, 0.25]);
  m.movePoint({ key: "stop_zone", index: 1 }, [0.7, 0.3]);
  m.endEdit();
  m.beginEdit();
  m.movePoint({ key: "pre_stop_line", index: 0 }, [0.1, 0.1]);
  m.endEdit();
  assert.equal(m.dirty, true);
  assert.deepEqual(m.current.stop_zone[1], [0.7, 0.3]);
  assert.equal(m.undo(), true);
  assert.deepEqual(m.current.pre_stop_line![0], [0.22, 0.2]);
  assert.deepEqual(m.current.stop_zone[1], [0.7, 0.3]);
  m.revert();
  assert.equal(m.dirty, false);
  assert.equal(m.undo(), true, "revert itself can be undone");
  assert.deepEqual(m.current.stop_zone[1], [0.7, 0.3]);
  m.markSaved();
  assert.equal(m.dirty, false);
  assert.equal(m.canUndo, false);
  assert.deepEqual(ZONES.stop_zone[1], [0.6, 0.2], "the input is never mutated");
});

Deno.test("zone model: a click without movement leaves no undo step", () => {
  const m = new ZoneEditModel(ZONES);
  m.beginEdit();
  m.endEdit();
  assert.equal(m.canUndo, false);
});

Deno.test("zone model: handles and server paths", () => {
  assert.deepEqual(handlesOf(ZONES).map(handleId), [
    "stop_zone.0",
    "stop_zone.1",
    "stop_zone.2",
    "stop_zone.3",
    "pre_stop_line.0",
    "pre_stop_line.1",
  ]);
  assert.deepEqual(handleForPath("cameras.cam_02.zones.stop_zone.1.0"), {
    key: "stop_zone",
    index: 1,
  });
  assert.deepEqual(handleForPath("cameras/cam_02/zones/capture_line/1"), {
    key: "capture_line",
    index: 1,
  });
  assert.deepEqual(handleForPath("cameras.cam_02.zones.stop_zone"), {
    key: "stop_zone",
    index: -1,
  });
  assert.equal(handleForPath("cameras.cam_02.detect.fps"), null);
});
