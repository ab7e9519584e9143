import assert from "node:assert/strict";
import { Hono } from "hono";
import { ApiError, apiErrorHandler, redactForLog } from "./errors.ts";

Deno.test("errors: ApiError as JSON 4xx; other errors a bare JSON 500 with secrets scrubbed from the log", async () => {
  const logs: string[] = [];
  const app = new Hono();
  app.onError(apiErrorHandler((m) => logs.push(m)));
  app.get("/bad", () => {
    throw new ApiError(422, "nope", { issues: [] });
  });
  app.get("/boom", () => {
    throw new Error(
      "connect rtsp://admin:hunter2@10.0.0.5/s failed; Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig token=abc",
    );
  });
  const bad = await app.request("/bad");
  assert.equal(bad.status, 422);
  assert.deepEqual(await bad.json(), { error: "nope", issues: [] });
  const boom = await app.request("/boom?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig");
  assert.equal(boom.status, 500);
  const body = await boom.text();
  assert.deepEqual(JSON.parse(body), { error: "internal error" });
  assert.doesNotMatch(body, /hunter2|stack|at /);
  assert.equal(logs.length, 1);
  assert.doesNotMatch(logs[0], /hunter2|eyJhbGci|token=abc/);
  assert.match(logs[0], /rtsp:\/\/\*\*\*@10\.0\.0\.5/);
  assert.equal(redactForLog("Authorization: Bearer abc.def"), "Authorization: Bearer ***");
});
