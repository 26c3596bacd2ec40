// Helpers shared by the dialogs: field access, errors next to their field, busy state.
import { Code } from './errors.js';
import { describe } from './errors.js';

export function field(form, name) {
  return form.elements.namedItem(name);
}

export function clearErrors(form) {
  for (const p of form.querySelectorAll('[data-for]')) p.textContent = '';
}

// Shows an error next to what caused it: the password, the token, or the form.
export function showError(form, error, fieldFor = {}) {
  const target = fieldFor[error.code] || 'form';
  const slot = form.querySelector(`[data-for="${target}"]`) || form.querySelector('[data-for="form"]');
  slot.textContent = describe(error);
  const input = target === 'password' ? field(form, 'password') : target === 'token' ? field(form, 'token') : null;
  input?.focus();
}

export const passwordErrors = {
  [Code.INVALID_PASSWORD]: 'password',
  [Code.POLICY]: 'password',
  [Code.PASSWORD_REQUIRED]: 'password',
};

export async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}

// 'never' | days | 'custom' (with a datetime-local value) -> ISO string or null.
export function expiryFrom(preset, custom) {
  if (preset === 'never') return null;
  if (preset === 'custom') {
    if (!custom) return undefined;
    const d = new Date(custom);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  return new Date(Date.now() + Number(preset) * 86400000).toISOString();
}

export function tagsFrom(text) {
  return text.split(',').map((t) => t.trim()).filter(Boolean);
}
