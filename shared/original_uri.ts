/**
 * Where the unblurred original of a privacy camera's published evidence is stored when the camera
 * has `keep_originals: true`: beside the published (blurred) object, with its kind folder
 * (`passes/` for crops, `clips/` for clips) replaced by `originals/`, so a path or prefix that
 * serves or lists published evidence never reaches it. The one naming rule for crops and clips
 * (a crop is `.jpg`, a clip `.mp4`: a pass's two originals never share a key). Only admins may
 * fetch them (`GET /api/passes/:id/image?original=1`, `GET /api/passes/:id/clip?original=1`).
 */
export function originalUri(publishedUri: string): string {
  for (const kind of ["/passes/", "/clips/"]) {
    const i = publishedUri.indexOf(kind);
    if (i >= 0) {
      return `${publishedUri.slice(0, i)}/originals/${publishedUri.slice(i + kind.length)}`;
    }
  }
  throw new Error("not a pass crop or clip uri");
}
