// Helpers shared by the dialogs: field access, errors next to their field, busy state.
import { Code } from './errors.js';
import { describe } from './errors.js';

export function field(form, name) {
  return form.elements.namedItem(name);
}

export function clearErrors(form) {
  for (const p of form.querySelectorAll('[data-for]')) p.textContent = '';
}

// Shows an error next to what caused it: the slot `fieldFor` names for its code, else
// the field the backend named (`error.field`) if this form has a slot for it, else the
// form's own slot. The input of that field gets the focus.
export function showError(form, error, fieldFor = {}) {
  const slotFor = (name) => (name ? form.querySelector(`[data-for="${CSS.escape(name)}"]`) : null);
  const target = fieldFor[error.code] || (slotFor(error.field) ? error.field : 'form');
  const slot = slotFor(target) || slotFor('form');
  slot.textContent = describe(error);
  const input = target === 'form' ? null : field(form, target);
  if (input instanceof HTMLElement) input.focus();
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

// Input types where Enter would submit the form (implicit submission).
const NOT_TEXT = new Set(['button', 'submit', 'reset', 'file', 'image']);

// Enter in a field runs the action of the part of the form it is in: the `data-enter`
// of the nearest enclosing element names a `data-action` button. The browser's own
// implicit submission would press the first submit button in the markup instead (Cancel,
// or a hidden one). Enter in a textarea types a new line; in a part without an action it
// does nothing.
export function enterRunsAction(form) {
  form.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.isComposing || e.shiftKey || e.ctrlKey || e.altKey || e.metaKey) return;
    const t = e.target;
    if (!(t instanceof HTMLInputElement) || NOT_TEXT.has(t.type)) return;
    e.preventDefault();
    const action = t.closest('[data-enter]')?.dataset.enter;
    const button = action ? form.querySelector(`[data-action="${action}"]`) : null;
    if (button && !button.disabled && button.getClientRects().length > 0) button.click();
  });
}

// While `isRunning()`, Esc does not close the dialog: a running operation keeps its
// progress and Cancel in sight until it ends, and only that Cancel stops it.
export function keepOpenWhile(dialog, isRunning) {
  dialog.addEventListener('cancel', (e) => {
    if (isRunning()) e.preventDefault();
  });
}

// Shows a long operation's progress bar at once, indeterminate until the first report.
export function startProgress(bar) {
  bar.hidden = false;
  bar.removeAttribute('value');
}
