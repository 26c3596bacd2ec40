// Settings: idle lock, clipboard clearing and reveal timeouts.
import { api } from './api.js';
import { busy, clearErrors, enterRunsAction, field, showError } from './dialog-form.js';
import { toast } from './toast.js';

const NAMES = ['idleLockMinutes', 'clipboardClearSeconds', 'revealSeconds'];

export class SettingsDialog extends EventTarget {
  constructor(dialog) {
    super();
    this.dialog = dialog;
    this.form = dialog.querySelector('form');
    enterRunsAction(this.form);
    this.current = { idleLockMinutes: 5, clipboardClearSeconds: 30, revealSeconds: 30 };
    this.form.querySelector('[data-action="save"]').addEventListener('click', (e) => this.save(e.currentTarget));
  }

  async load() {
    this.current = await api.getSettings();
    return this.current;
  }

  open() {
    clearErrors(this.form);
    for (const n of NAMES) field(this.form, n).value = this.current[n];
    this.dialog.showModal();
  }

  async save(button) {
    clearErrors(this.form);
    const next = Object.fromEntries(NAMES.map((n) => [n, Number(field(this.form, n).value)]));
    try {
      await busy(button, () => api.setSettings(next));
      this.current = next;
      this.dialog.close();
      toast('Settings saved.');
    } catch (e) {
      showError(this.form, e);
    }
  }
}
