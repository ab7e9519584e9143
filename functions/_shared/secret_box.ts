/**
 * Secrets at rest (camera source URLs carry camera passwords): AES-256-GCM with WebCrypto, so it
 * runs on every edge runtime. The key is `STOPLINE_SECRET_KEY`, base64 of 32 random bytes
 * (`openssl rand -base64 32`). Without a key (the dev default) values are stored in plaintext,
 * marked as such, so turning a key on later still reads the old rows.
 *
 * Stored forms: `v1:<base64 iv>:<base64 ciphertext+tag>` (sealed) or `plain:<text>` (no key).
 * The optional `context` (e.g. the camera id) is bound as additional authenticated data: a sealed
 * value copied onto another row does not open.
 */

const _SEALED = "v1:";
const _PLAIN = "plain:";
const _enc = new TextEncoder();
const _dec = new TextDecoder();

export class SecretBoxError extends Error {}

export class SecretBox {
  private constructor(private readonly key: CryptoKey | null) {}

  /** A box with `keyBase64` (32 bytes), or a plaintext box when it is undefined or empty. */
  static async create(keyBase64: string | undefined): Promise<SecretBox> {
    if (!keyBase64) return new SecretBox(null);
    let raw: Uint8Array;
    try {
      raw = Uint8Array.from(atob(keyBase64.trim()), (c) => c.charCodeAt(0));
    } catch {
      throw new SecretBoxError("STOPLINE_SECRET_KEY is not valid base64");
    }
    if (raw.byteLength !== 32) {
      throw new SecretBoxError(
        `STOPLINE_SECRET_KEY must be 32 bytes (base64), got ${raw.byteLength}`,
      );
    }
    const key = await crypto.subtle.importKey(
      "raw",
      raw as BufferSource,
      { name: "AES-GCM" },
      false,
      ["encrypt", "decrypt"],
    );
    return new SecretBox(key);
  }

  static fromEnv(
    env: (n: string) => string | undefined = (n) => Deno.env.get(n),
  ): Promise<SecretBox> {
    return SecretBox.create(env("STOPLINE_SECRET_KEY"));
  }

  /** False in dev without a key: values are stored as plaintext (callers say so in their logs). */
  get encrypts(): boolean {
    return this.key !== null;
  }

  async seal(plain: string, context = ""): Promise<string> {
    if (!this.key) return _PLAIN + plain;
    // A fresh random 96-bit IV per value: GCM must never reuse an IV under one key.
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: _enc.encode(context) },
      this.key,
      _enc.encode(plain),
    );
    return `${_SEALED}${_b64(iv)}:${_b64(new Uint8Array(ct))}`;
  }

  /** The plaintext; SecretBoxError when it was tampered with, sealed for another context or key. */
  async open(stored: string, context = ""): Promise<string> {
    if (stored.startsWith(_PLAIN)) return stored.slice(_PLAIN.length);
    if (!stored.startsWith(_SEALED)) throw new SecretBoxError("unknown secret format");
    if (!this.key) {
      throw new SecretBoxError("this value is encrypted but STOPLINE_SECRET_KEY is not set");
    }
    const [iv, ct] = stored.slice(_SEALED.length).split(":");
    try {
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: _unb64(iv) as BufferSource, additionalData: _enc.encode(context) },
        this.key,
        _unb64(ct) as BufferSource,
      );
      return _dec.decode(plain);
    } catch {
      throw new SecretBoxError("cannot decrypt: wrong key, wrong context or tampered value");
    }
  }
}

function _b64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function _unb64(s: string | undefined): Uint8Array {
  return Uint8Array.from(atob(s ?? ""), (c) => c.charCodeAt(0));
}
