/// <reference lib="dom" />
/**
 * The login field shown when the server has auth on: paste an access token (a JWT issued by
 * the operator's identity setup), kept in localStorage. A 401 anywhere brings the field back.
 */
import { h, replace } from "./dom.ts";
import { AUTH_REQUIRED_EVENT, getToken, setToken } from "./session.ts";

export function mountLogin(slot: HTMLElement, onChange: () => void): void {
  const render = (message = "") => {
    if (getToken() && !message) {
      replace(
        slot,
        h("span", { class: "muted" }, "signed in"),
        h("button", {
          type: "button",
          id: "logout",
          onclick: () => {
            setToken(null);
            render();
            onChange();
          },
        }, "Sign out"),
      );
      return;
    }
    const input = h("input", {
      id: "token-input",
      type: "password",
      placeholder: "access token",
      autocomplete: "current-password",
      "aria-label": "access token",
    });
    const form = h(
      "form",
      { class: "login", id: "login-form" },
      input,
      h("button", { type: "submit" }, "Sign in"),
      message ? h("span", { class: "error" }, message) : null,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!input.value.trim()) return;
      setToken(input.value);
      render();
      onChange();
    });
    replace(slot, form);
  };
  globalThis.addEventListener(AUTH_REQUIRED_EVENT, () => {
    if (!slot.querySelector("#login-form")) render(getToken() ? "token rejected" : "sign in");
  });
  render();
}
