// "Change a password everywhere": progress from the backend channel, Cancel rolls back.
import { api } from './api.js';
import { describe } from './errors.js';
import { busy, clearErrors, enterRunsAction, field, keepOpenWhile } from './dialog-form.js';
import { toast } from './toast.js';

export class PasswordDialog extends EventTarget {
  constructor(dialog) {
    super();
    this.dialog = dialog;
    this.form = dialog.querySelector('form');
    this.running = false;
    enterRunsAction(this.form);
    this.form.querySelector('[data-action="start"]').addEventListener('click', (e) => this.start(e.currentTarget));
    this.form.querySelector('[data-action="cancel"]').addEventListener('click', () => this.cancel());
    // Esc does not hide a running change; its Cancel button stops it.
    keepOpenWhile(dialog, () => this.running);
    dialog.addEventListener('close', () => this.forgetPasswords());
  }

  // Locking closes the dialog, which clears the passwords typed here (unless the change
  // is using them: it runs on, with its Cancel in sight). Nothing else is typed here.
  lock() {
    if (!this.running) this.dialog.close();
  }

  forgetPasswords() {
    for (const n of ['old', 'new', 'confirm']) field(this.form, n).value = '';
  }

  open() {
    this.form.reset();
    clearErrors(this.form);
    this.form.querySelector('[data-role="progress"]').hidden = true;
    this.form.querySelector('[data-role="status"]').textContent = '';
    this.dialog.showModal();
  }

  async cancel() {
    if (this.running) {
      await api.cancelOperation();
      this.form.querySelector('[data-role="status"]').textContent = 'Cancelling…';
    } else {
      this.dialog.close();
    }
  }

  async start(button) {
    clearErrors(this.form);
    const f = (n) => field(this.form, n).value;
    if (f('new') !== f('confirm')) {
      this.form.querySelector('[data-for="form"]').textContent = 'The two new passwords differ.';
      return;
    }
    const bar = this.form.querySelector('[data-role="progress"]');
    const status = this.form.querySelector('[data-role="status"]');
    bar.hidden = false;
    bar.removeAttribute('value'); // indeterminate while the keys are derived
    status.textContent = 'Deriving keys…';
    this.running = true;
    try {
      const changed = await busy(button, () => api.changePassword(f('old'), f('new'), ({ done, total }) => {
        bar.max = Math.max(total, 1);
        bar.value = done;
        status.textContent = `Checked ${done} of ${total} records…`;
      }));
      this.dialog.close();
      toast(`${changed} record${changed === 1 ? '' : 's'} now open with the new password.`);
      this.dispatchEvent(new Event('changed'));
    } catch (e) {
      bar.hidden = true;
      status.textContent = '';
      this.form.querySelector('[data-for="form"]').textContent = describe(e);
    } finally {
      this.running = false;
    }
  }
}
