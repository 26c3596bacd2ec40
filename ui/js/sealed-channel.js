// Passwords and values cross the IPC sealed (see src-tauri/src/sealed_ipc.rs): the
// backend process keeps every message in buffers it cannot wipe, so they carry only
// AES-GCM ciphertext under keys agreed by ECDH. Our private key is a non-extractable
// WebCrypto key; a Lock drops the backend's keys, and we agree on new ones when next
// needed.

const te = new TextEncoder();
const td = new TextDecoder();

// In slices: a large value would overflow the argument list of fromCharCode.
function b64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}
const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function agree(exchange) {
  const curve = { name: 'ECDH', namedCurve: 'P-256' };
  const pair = await crypto.subtle.generateKey(curve, false, ['deriveBits']);
  const ours = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const theirs = unb64(await exchange(b64(ours)));
  const theirKey = await crypto.subtle.importKey('raw', theirs, curve, false, []);
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: theirKey }, pair.privateKey, 256);
  const hkdf = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  const salt = new Uint8Array([...ours, ...theirs]);
  const derive = (info, use) => crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt, info: te.encode(info) },
    hkdf, { name: 'AES-GCM', length: 256 }, false, [use],
  );
  return {
    toBackend: await derive('vaultstore ipc: page to backend', 'encrypt'),
    toPage: await derive('vaultstore ipc: backend to page', 'decrypt'),
  };
}

export class SealedChannel {
  // `exchange(ourPublicKey)` answers the backend's public key (both SEC1, base64).
  constructor(exchange) {
    this.exchange = exchange;
    this.keys = null;
  }

  // After a Lock the backend has no keys; neither should we.
  forget() {
    this.keys = null;
  }

  async ready() {
    if (!this.keys) this.keys = agree(this.exchange);
    try {
      return await this.keys;
    } catch (e) {
      this.keys = null;
      throw e;
    }
  }

  async seal(text) {
    const { toBackend } = await this.ready();
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const body = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, toBackend, te.encode(text)));
    return { sealed: b64(new Uint8Array([...iv, ...body])) };
  }

  async open({ sealed }) {
    const { toPage } = await this.ready();
    const bytes = unb64(sealed);
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, 12) }, toPage, bytes.slice(12));
    return td.decode(plain);
  }
}
