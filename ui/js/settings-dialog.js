// Settings: idle lock, clipboard clearing, reveal timeouts, remembered keys, lock options
// and the "expires soon" window.
import { api } from './api.js';
import { busy, clearErrors, enterRunsAction, field, showError } from './dialog-form.js';
import { toast } from './toast.js';

const NUMBERS = ['idleLockMinutes', 'clipboardClearSeconds', 'revealSeconds', 'rememberedKeys', 'expiringSoonDays'];
const SWITCHES = ['lockOnSleep', 'hideListWhenLocked'];

export class SettingsDialog extends EventTarget {
  constructor(dialog) {
    super();
    this.dialog = dialog;
    this.form = dialog.querySelector('form');
    enterRunsAction(this.form);
    this.current = {
      idleLockMinutes: 5, clipboardClearSeconds: 30, revealSeconds: 30, rememberedKeys: 64,
      lockOnSleep: true, hideListWhenLocked: false, expiringSoonDays: 7,
    };
    this.form.querySelector('[data-action="save"]').addEventListener('click', (e) => this.save(e.currentTarget));
  }

  async load() {
    this.current = await api.getSettings();
    return this.current;
  }

  open() {
    clearErrors(this.form);
    for (const n of NUMBERS) field(this.form, n).value = this.current[n];
    for (const n of SWITCHES) field(this.form, n).checked = this.current[n];
    this.dialog.showModal();
  }

  async save(button) {
    clearErrors(this.form);
    // The remembered table view rides along unchanged (the backend keeps its own).
    const next = {
      ...this.current,
      ...Object.fromEntries([
        ...NUMBERS.map((n) => [n, Number(field(this.form, n).value)]),
        ...SWITCHES.map((n) => [n, field(this.form, n).checked]),
      ]),
    };
    try {
      await busy(button, () => api.setSettings(next));
      this.current = next;
      this.dialog.close();
      this.dispatchEvent(new CustomEvent('changed', { detail: next }));
      toast('Settings saved.');
    } catch (e) {
      showError(this.form, e);
    }
  }
}
