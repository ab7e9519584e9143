/// <reference lib="dom" />
/**
 * The pass page's review panel: mark the verdict correct, or wrong with the right verdict and a
 * note (POST /api/passes/:id/reviews), keep the pass forever (PUT /api/passes/:id/keep), and the
 * audit trail (who, when, what) underneath. Without the operator role the server answers 403
 * and the panel says so.
 */
import {
  listReviews,
  type PassReview,
  postReview,
  type ReviewState,
  setKeep,
  type Verdict,
} from "../api.ts";
import { h, replace } from "../dom.ts";
import { fmtTime, verdictText } from "../format.ts";

const _VERDICTS: Verdict[] = ["full_stop", "rolling_stop", "no_stop"];
const _STATE_TEXT: Record<ReviewState, string> = {
  unreviewed: "not reviewed",
  confirmed: "verdict confirmed",
  corrected: "verdict disputed",
};

function _trail(reviews: PassReview[]): HTMLElement {
  if (!reviews.length) return h("p", { class: "muted", id: "review-trail" }, "no reviews yet");
  return h(
    "ol",
    { id: "review-trail" },
    ...reviews.map((r) =>
      h(
        "li",
        { class: "review-entry", "data-correct": String(r.correct) },
        `${fmtTime(r.created_at)} · ${r.reviewer}: `,
        r.correct
          ? "correct"
          : `wrong, was ${verdictText(r.actual_verdict)} (judged ${verdictText(r.judged_verdict)})`,
        r.note ? ` — ${r.note}` : "",
      )
    ),
  );
}

export function reviewPanel(pass: { id: string; verdict: Verdict; keep?: boolean }): HTMLElement {
  const state = h("span", { class: "pill", id: "review-state" }, "…");
  const message = h("p", { class: "muted", id: "review-message", role: "status" });
  const trail = h("div", {}, h("p", { class: "muted" }, "loading…"));
  const actual = h("select", { id: "review-verdict", "aria-label": "right verdict" });
  for (const v of _VERDICTS.filter((v) => v !== pass.verdict)) {
    actual.append(h("option", { value: v }, verdictText(v)));
  }
  const note = h("input", {
    id: "review-note",
    type: "text",
    maxlength: 2000,
    placeholder: "note (what the clip shows)",
  });
  const keep = h("input", { id: "review-keep", type: "checkbox", checked: pass.keep === true });

  const refresh = async () => {
    const r = await listReviews(pass.id);
    state.textContent = _STATE_TEXT[r.state];
    state.dataset.state = r.state;
    replace(trail, _trail(r.reviews));
  };
  const act = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      message.textContent = done;
      note.value = "";
      await refresh();
    } catch (e) {
      message.textContent = `not saved: ${(e as Error).message}`;
    }
  };
  const correct = h("button", {
    type: "button",
    id: "review-correct",
    class: "primary",
    onclick: () =>
      act(() => postReview(pass.id, { correct: true, note: note.value || undefined }), "saved"),
  }, "Verdict correct");
  const wrong = h("button", {
    type: "button",
    id: "review-wrong",
    onclick: () =>
      act(
        () =>
          postReview(pass.id, {
            correct: false,
            verdict: actual.value as Verdict,
            note: note.value || undefined,
          }),
        "saved",
      ),
  }, "Wrong, it was:");
  keep.onchange = () =>
    act(() => setKeep(pass.id, keep.checked), keep.checked ? "kept forever" : "no longer kept");

  void refresh().catch((e) => (message.textContent = `could not load reviews: ${e.message}`));
  return h(
    "section",
    { class: "card review no-print", id: "review-panel" },
    h("h2", {}, "Review ", state),
    h("div", { class: "filters" }, correct, wrong, actual, note),
    h("label", {}, keep, " keep this pass and its evidence forever (retention skips it)"),
    message,
    trail,
  );
}
