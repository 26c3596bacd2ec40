// Password generator (OS randomness through crypto.getRandomValues) and strength hint.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!@#%+=';

export function generatePassword(length = 24) {
  const out = [];
  const limit = 256 - (256 % ALPHABET.length); // rejection sampling: no modulo bias
  while (out.length < length) {
    const bytes = new Uint8Array(length * 2);
    crypto.getRandomValues(bytes);
    for (const b of bytes) {
      if (b < limit && out.length < length) out.push(ALPHABET[b % ALPHABET.length]);
    }
  }
  return out.join('');
}

// A rough estimate: length times bits per character of the classes used.
export function strength(password) {
  if (!password) return { label: '', level: 0, bits: 0 };
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^A-Za-z0-9]/.test(password)) pool += 33;
  const bits = Math.round([...password].length * Math.log2(Math.max(pool, 2)));
  if (password.length < 16) return { label: `too short (${password.length}/16 characters)`, level: 1, bits };
  if (bits < 70) return { label: `fair (~${bits} bits)`, level: 2, bits };
  if (bits < 100) return { label: `good (~${bits} bits)`, level: 3, bits };
  return { label: `strong (~${bits} bits)`, level: 4, bits };
}
