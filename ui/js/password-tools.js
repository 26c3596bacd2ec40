// Password generator (OS randomness through crypto.getRandomValues) and strength hint.
import { WORDS } from './wordlist-eff.js';

// Look-alikes (I, O, l, 0, 1) are left out so a password read aloud or typed survives.
const CLASSES = {
  uppercase: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
  lowercase: 'abcdefghijkmnopqrstuvwxyz',
  digits: '23456789',
  symbols: '-_.!@#%+=',
};

export const DEFAULT_GENERATOR = Object.freeze({
  kind: 'characters', length: 24, uppercase: true, lowercase: true, digits: true, symbols: true,
  words: 6, separator: '-', capitalize: false,
});

// A uniform integer below `n` (n ≤ 2^32): rejection sampling, so no modulo bias.
function randomBelow(n) {
  const limit = 2 ** 32 - (2 ** 32 % n);
  const buf = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buf);
    if (buf[0] < limit) return buf[0] % n;
  }
}

function characters(o) {
  const classes = Object.keys(CLASSES).filter((c) => o[c]);
  const alphabet = classes.map((c) => CLASSES[c]).join('');
  // Every chosen class appears at least once: draw again until it does (cheap: with four
  // classes and 16+ characters a redraw is rare), so the draw stays uniform over the
  // passwords that qualify.
  for (;;) {
    const chars = Array.from({ length: o.length }, () => alphabet[randomBelow(alphabet.length)]);
    if (classes.every((c) => chars.some((ch) => CLASSES[c].includes(ch)))) {
      return { password: chars.join(''), bits: Math.floor(o.length * Math.log2(alphabet.length)) };
    }
  }
}

function passphrase(o) {
  const words = Array.from({ length: o.words }, () => {
    const w = WORDS[randomBelow(WORDS.length)];
    return o.capitalize ? w[0].toUpperCase() + w.slice(1) : w;
  });
  return { password: words.join(o.separator), bits: Math.floor(o.words * Math.log2(WORDS.length)) };
}

// `{ password, bits }` for the options (`DEFAULT_GENERATOR`'s shape); bits is the entropy
// of the draw, which the strength hint shows for a generated password.
export function generate(options = DEFAULT_GENERATOR) {
  const o = { ...DEFAULT_GENERATOR, ...options };
  return o.kind === 'passphrase' ? passphrase(o) : characters(o);
}

function label(bits) {
  if (bits < 70) return `fair (~${bits} bits)`;
  if (bits < 100) return `good (~${bits} bits)`;
  return `strong (~${bits} bits)`;
}

function level(bits) {
  if (bits < 70) return 2;
  return bits < 100 ? 3 : 4;
}

// A rough estimate: length times bits per character of the classes used. A password the
// generator made is rated by what was drawn (`bits`), which a passphrase's characters
// would overstate.
export function strength(password, generatedBits = null) {
  if (!password) return { label: '', level: 0, bits: 0 };
  if (password.length < 16) return { label: `too short (${password.length}/16 characters)`, level: 1, bits: 0 };
  if (generatedBits !== null) {
    return { label: `${label(generatedBits)}, generated`, level: level(generatedBits), bits: generatedBits };
  }
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^A-Za-z0-9]/.test(password)) pool += 33;
  const bits = Math.round([...password].length * Math.log2(Math.max(pool, 2)));
  return { label: label(bits), level: level(bits), bits };
}
