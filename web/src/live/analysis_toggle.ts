/// <reference lib="dom" />
/**
 * The live page's "Pause analysis" / "Resume analysis" button (runtime control, issue #15 §5):
 * POST /api/cameras/:id/analysis. Only the analysis stops; the video keeps playing. Shown only to
 * those who may change the camera (camera_control.ts); the state comes from /api/cameras and
 * then from the relay's status ("paused", or a tick = analyzed).
 */
import { apiFetch } from "../session.ts";

export class AnalysisToggle {
  readonly #button: HTMLButtonElement;
  readonly #camera: string;
  #enabled = true;
  #busy = false;

  constructor(button: HTMLButtonElement, camera: string, visible: boolean) {
    this.#button = button;
    this.#camera = camera;
    button.hidden = !visible;
    button.onclick = () => this.#toggle();
    this.#render();
  }

  /** What the server or the relay says now. */
  setEnabled(enabled: boolean): void {
    if (this.#busy || enabled === this.#enabled) return;
    this.#enabled = enabled;
    this.#render();
  }

  destroy(): void {
    this.#button.onclick = null;
    this.#button.hidden = true;
  }

  async #toggle(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    this.#button.disabled = true;
    const want = !this.#enabled;
    try {
      const res = await apiFetch(
        `/api/cameras/${encodeURIComponent(this.#camera)}/analysis`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ enabled: want }),
        },
      );
      if (!res.ok) {
        const body = await res.json().catch(() => null) as { error?: string } | null;
        this.#button.title = `${res.status} ${body?.error ?? res.statusText}`;
        return;
      }
      await res.body?.cancel();
      this.#enabled = want;
      this.#button.title = "";
    } catch (e) {
      this.#button.title = (e as Error).message;
    } finally {
      this.#busy = false;
      this.#button.disabled = false;
      this.#render();
    }
  }

  #render(): void {
    this.#button.textContent = this.#enabled ? "Pause analysis" : "Resume analysis";
    this.#button.dataset.enabled = String(this.#enabled);
  }
}
