/**
 * SDP helpers for WHEP trickle ICE (draft-ietf-wish-whep, RFC 8840 fragments), in the shape
 * MediaMTX's own reader sends: the offer's ICE credentials, then per media section with
 * candidates an `m=` line, its `a=mid:` and the `a=candidate:` lines.
 */

export interface OfferData {
  iceUfrag: string;
  icePwd: string;
  /** Each media section's `m=` line value (after "m="), in order. */
  medias: string[];
  /** Each section's mid (falls back to its index). */
  mids: string[];
}

export function parseOffer(sdp: string): OfferData {
  let iceUfrag = "";
  let icePwd = "";
  const medias: string[] = [];
  const mids: string[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith("m=")) {
      medias.push(line.slice(2));
      mids.push(String(medias.length - 1));
    } else if (line.startsWith("a=mid:") && medias.length) {
      mids[medias.length - 1] = line.slice(6).trim();
    } else if (!iceUfrag && line.startsWith("a=ice-ufrag:")) iceUfrag = line.slice(12).trim();
    else if (!icePwd && line.startsWith("a=ice-pwd:")) icePwd = line.slice(10).trim();
  }
  return { iceUfrag, icePwd, medias, mids };
}

export interface CandidateLike {
  candidate: string;
  sdpMLineIndex: number | null;
}

/** The `application/trickle-ice-sdpfrag` body for a batch of local candidates. */
export function sdpFragment(offer: OfferData, candidates: CandidateLike[]): string {
  const byMedia = new Map<number, string[]>();
  for (const c of candidates) {
    if (!c.candidate) continue; // end-of-candidates marker
    const i = c.sdpMLineIndex ?? 0;
    byMedia.set(i, [...(byMedia.get(i) ?? []), c.candidate]);
  }
  let frag = `a=ice-ufrag:${offer.iceUfrag}\r\na=ice-pwd:${offer.icePwd}\r\n`;
  offer.medias.forEach((media, i) => {
    const lines = byMedia.get(i);
    if (!lines) return;
    frag += `m=${media}\r\na=mid:${offer.mids[i]}\r\n`;
    for (const l of lines) frag += `a=${l}\r\n`;
  });
  return frag;
}

/** Candidates from a fragment, with the mid of the section they sit in (the peer side). */
export function parseFragment(frag: string): { mid: string; candidate: string }[] {
  const out: { mid: string; candidate: string }[] = [];
  let mid = "0";
  for (const line of frag.split(/\r?\n/)) {
    if (line.startsWith("a=mid:")) mid = line.slice(6).trim();
    else if (line.startsWith("a=candidate:")) out.push({ mid, candidate: line.slice(2) });
  }
  return out;
}
