import assert from "node:assert/strict";
import { readImage, REPO_ROOT } from "../dev/testing/scenes/mod.ts";
import { makeSprites, requireVtest } from "./make_samples.ts";

// Not skipped without opencv-doc: the test task's setup step installs it, so a missing vtest.avi
// fails here with requireVtest's message naming the package.
Deno.test({
  name: "make_samples reproduces the committed sprites from opencv-doc",
  fn: async () => {
    await requireVtest();
    const dir = await Deno.makeTempDir({ prefix: "stopline_sprites_" });
    try {
      await makeSprites(dir);
      for (const [name, ch] of [["background.png", 3], ["van.png", 4]] as const) {
        const a = await readImage(`${dir}/${name}`, ch);
        const b = await readImage(`${REPO_ROOT}/samples/sprites/${name}`, ch);
        assert.deepEqual([a.width, a.height], [b.width, b.height], name);
        let diff = 0;
        for (let i = 0; i < a.data.length; i++) diff += Math.abs(a.data[i] - b.data[i]);
        assert.ok(diff / a.data.length < 0.5, `${name} differs: mean ${diff / a.data.length}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
