// The "New record" dialog. On error it stays open with everything typed kept, and the
// error is shown next to the field that caused it.
import { api } from './api.js';
import { Code } from './errors.js';
import { confirmAction } from './confirm-dialog.js';
import { busy, clearErrors, enterRunsAction, expiryFrom, field, passwordErrors, showError, tagsFrom } from './dialog-form.js';
import { GeneratorPanel } from './generator-panel.js';
import { strength } from './password-tools.js';

export class CreateDialog extends EventTarget {
  constructor(dialog) {
    super();
    this.dialog = dialog;
    this.form = dialog.querySelector('form');
    const f = (n) => field(this.form, n);
    enterRunsAction(this.form);
    f('password').addEventListener('input', () => this.updateStrength());
    f('expiryPreset').addEventListener('change', () => {
      this.form.querySelector('[data-role="custom-expiry"]').hidden = f('expiryPreset').value !== 'custom';
    });
    this.generator = new GeneratorPanel(this.form);
    this.generated = null; // { password, bits } of the last draw, while it is in the field
    this.form.querySelector('[data-action="generate"]').addEventListener('click', () => this.generate());
    // New options draw again, but only over a password the generator made: never over
    // one the user typed.
    this.generator.addEventListener('changed', () => {
      if (this.generated && f('password').value === this.generated.password) this.generate();
    });
    const show = this.form.querySelector('[data-action="show-password"]');
    show.addEventListener('click', () => this.setShown(show.getAttribute('aria-pressed') !== 'true'));
    this.form.querySelector('[data-action="submit"]').addEventListener('click', (e) => {
      e.preventDefault();
      this.submit(e.currentTarget);
    });
    // Cancel or Esc with a value typed asks first: closing clears it.
    dialog.addEventListener('cancel', (e) => {
      if (!this.valueTyped()) return;
      e.preventDefault();
      this.closeAsking();
    });
    this.form.querySelector('[data-action="cancel"]').addEventListener('click', (e) => {
      e.preventDefault();
      this.closeAsking();
    });
    // However it closes (Create, Cancel, Esc, Lock), the value and passwords leave the
    // form; the details stay for the next open.
    dialog.addEventListener('close', () => {
      this.generated = null;
      this.setShown(false);
      for (const n of ['value', 'password', 'confirm']) field(this.form, n).value = '';
      this.updateStrength();
    });
  }

  open() {
    clearErrors(this.form);
    this.setLockNote('');
    this.dialog.showModal();
    field(this.form, 'value').focus();
  }

  valueTyped() {
    return field(this.form, 'value').value !== '';
  }

  async closeAsking() {
    const ok = !this.valueTyped() || await confirmAction('Discard the value?',
      'The value you typed has not been saved. Discard it and close?', 'Discard');
    if (ok) this.dialog.close();
  }

  generate() {
    this.generated = this.generator.draw();
    field(this.form, 'password').value = this.generated.password;
    field(this.form, 'confirm').value = this.generated.password;
    this.setShown(true);
    this.updateStrength();
  }

  reset() {
    this.form.reset();
    this.generator.show(this.generator.options); // remembered, not the page's defaults
    this.form.querySelector('[data-role="custom-expiry"]').hidden = true;
    this.updateStrength();
  }

  // Locking: the value and passwords leave the form; label, tags, notes, token and expiry
  // stay for the user to finish. Returns the names of what was kept.
  lock(reason) {
    if (!this.dialog.open) return [];
    for (const n of ['value', 'password', 'confirm']) field(this.form, n).value = '';
    this.generated = null;
    this.setShown(false); // a password typed after the lock is masked again
    this.updateStrength();
    const f = (n) => field(this.form, n).value.trim();
    const kept = [
      ['label', f('label')], ['tags', f('tags')], ['notes', f('notes')], ['token', f('token')],
      ['expiry', f('expiryPreset') !== 'never'],
    ].filter(([, v]) => v).map(([n]) => n);
    // Nothing typed but secrets: nothing to finish, so the dialog goes with them.
    if (kept.length === 0) {
      this.dialog.close();
      return [];
    }
    this.setLockNote(`${reason} Your ${kept.join(', ')} ${kept.length === 1 ? 'was' : 'were'} kept; the value and passwords were cleared: type them again to create the record.`);
    return kept;
  }

  setLockNote(text) {
    const note = this.form.querySelector('[data-role="lock-note"]');
    note.textContent = text;
    note.hidden = !text;
  }

  setShown(shown) {
    for (const n of ['password', 'confirm']) field(this.form, n).type = shown ? 'text' : 'password';
    const b = this.form.querySelector('[data-action="show-password"]');
    b.setAttribute('aria-pressed', String(shown));
    b.textContent = shown ? 'Hide' : 'Show';
  }

  updateStrength() {
    const typed = field(this.form, 'password').value;
    const drawn = this.generated && typed === this.generated.password ? this.generated.bits : null;
    const s = strength(typed, drawn);
    this.form.querySelector('meter').value = s.level;
    this.form.querySelector('[data-role="strength"]').textContent = s.label;
  }

  async submit(button) {
    clearErrors(this.form);
    const f = (n) => field(this.form, n).value;
    if (f('password') !== f('confirm')) {
      this.form.querySelector('[data-for="password"]').textContent = 'The two passwords differ.';
      field(this.form, 'confirm').focus();
      return;
    }
    const expiresAt = expiryFrom(f('expiryPreset'), f('expiresAt'));
    if (expiresAt === undefined) {
      this.form.querySelector('[data-for="expiry"]').textContent = 'Pick a date and time for the expiry.';
      return;
    }
    const args = {
      value: f('value'),
      password: f('password'),
      token: f('token').trim() || null,
      expiresAt,
      metadata: { label: f('label'), notes: f('notes'), tags: tagsFrom(f('tags')) },
    };
    try {
      const token = await busy(button, () => api.createRecord(args));
      this.dialog.close();
      this.reset();
      this.setLockNote('');
      this.dispatchEvent(new CustomEvent('created', { detail: token }));
    } catch (e) {
      showError(this.form, e, {
        ...passwordErrors,
        [Code.ALREADY_EXISTS]: 'token',
      });
    }
  }
}
