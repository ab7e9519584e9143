/**
 * Where the unblurred crop of a privacy camera with `keep_originals: true` is stored: beside the
 * published (blurred) crop but under `originals/` instead of `passes/`, so a path or prefix that
 * serves or lists published crops never reaches it. Only admins may fetch it
 * (`GET /api/passes/:id/image?original=1`).
 */
export function originalImageUri(imageUri: string): string {
  const i = imageUri.indexOf("/passes/");
  if (i < 0) throw new Error("not a pass crop uri");
  return `${imageUri.slice(0, i)}/originals/${imageUri.slice(i + "/passes/".length)}`;
}
