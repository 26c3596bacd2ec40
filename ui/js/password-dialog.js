// "Change a password everywhere": progress from the backend channel, Cancel rolls back.
import { api } from './api.js';
import { describe } from './errors.js';
import { busy, clearErrors, field } from './dialog-form.js';
import { OperationDialog } from './operation-dialog.js';
import { toast } from './toast.js';

// Esc does not hide a running change; its Cancel button stops it (OperationDialog).
export class PasswordDialog extends OperationDialog {
  constructor(dialog) {
    super(dialog);
    this.form.querySelector('[data-action="start"]').addEventListener('click', (e) => this.start(e.currentTarget));
    dialog.addEventListener('close', () => this.forgetPasswords());
  }

  forgetPasswords() {
    for (const n of ['old', 'new', 'confirm']) field(this.form, n).value = '';
  }

  open() {
    this.form.reset();
    this.resetView();
    this.dialog.showModal();
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
