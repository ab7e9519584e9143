/**
 * The synthetic scene library, for tests and benches: specs, the ground-truth oracle, PNG I/O,
 * the compositor, the encoder and the catalogue of named scenes. scripts/scene.ts is its CLI.
 */
export * from "./spec.ts";
export * from "./oracle.ts";
export * from "./png.ts";
export * from "./compositor.ts";
export * from "./encode.ts";
export * from "./catalog.ts";
export * from "./pinhole.ts";
export * from "./perspective_catalog.ts";
export * from "./camera_catalog.ts";
