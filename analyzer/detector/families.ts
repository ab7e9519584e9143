/**
 * The detector adapters the analyzer runs; importing one registers it (registry.ts).
 * Adding a family: its adapter file and one line here (and its recognizer in shared/model/).
 */
import "./nanodet.ts";
import "./centernet.ts";
import "./yolo.ts";
