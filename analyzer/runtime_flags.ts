/**
 * V8 flags every analyzer launch uses (`deno task analyzer`, the dev stack's AnalyzerProcess,
 * the Docker image; deploy/deploy_test.ts checks they agree).
 *
 * The main isolate allocates fast (ticks, tracks, queries at 10-15 fps per camera), so V8 keeps
 * growing its young generation up to its default maximum (two 32 MiB semi-spaces here) and
 * holds it: measured, the main isolate's new space swung between 2 and 58 MiB reserved and the
 * analyzer's RSS stepped up ~25 MiB after ~20 minutes with the heap in use flat
 * (docs/PERFORMANCE.md, memory). Capping a semi-space at 8 MiB keeps the reservation bounded;
 * scavenges get more frequent but each stays short (cost grows with live objects, not space).
 */
export const ANALYZER_V8_FLAGS = "--max-semi-space-size=8";
