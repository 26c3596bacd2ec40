// Settings: idle lock, clipboard clearing, reveal timeouts, remembered keys, lock options
// the "expires soon" window and the Trash retention (with what it would delete now).
import { api } from './api.js';
import { busy, clearErrors, enterRunsAction, field, showError } from './dialog-form.js';
import { toast } from './toast.js';

const NUMBERS = ['idleLockMinutes', 'clipboardClearSeconds', 'revealSeconds', 'rememberedKeys', 'expiringSoonDays', 'trashRetentionDays'];
const SWITCHES = ['lockOnSleep', 'hideListWhenLocked', 'expiryAlerts'];

export class SettingsDialog extends EventTarget {
  constructor(dialog) {
    super();
    this.dialog = dialog;
    this.form = dialog.querySelector('form');
    enterRunsAction(this.form);
    this.current = {
      idleLockMinutes: 5, clipboardClearSeconds: 30, revealSeconds: 30, rememberedKeys: 64,
      lockOnSleep: true, hideListWhenLocked: false, expiringSoonDays: 7, trashRetentionDays: 0,
      expiryAlerts: true,
    };
    this.form.querySelector('[data-action="save"]').addEventListener('click', (e) => this.save(e.currentTarget));
    field(this.form, 'trashRetentionDays').addEventListener('input', () => this.previewRetention());
  }

  // What the retention typed would delete if it ran now.
  async previewRetention() {
    const slot = this.form.querySelector('[data-role="retention-preview"]');
    const days = Number(field(this.form, 'trashRetentionDays').value);
    if (!Number.isInteger(days) || days <= 0) {
      slot.textContent = 'Off: the Trash keeps records until you delete them.';
      return;
    }
    try {
      const n = await api.trashRetentionPreview(Math.min(days, 3650));
      slot.textContent = `Runs when the app opens and daily. Now it would delete ${n} record${n === 1 ? '' : 's'} in the Trash for ${days} days or more.`;
    } catch (e) {
      slot.textContent = '';
    }
  }

  async load() {
    this.current = await api.getSettings();
    return this.current;
  }

  open() {
    clearErrors(this.form);
    for (const n of NUMBERS) field(this.form, n).value = this.current[n];
    for (const n of SWITCHES) field(this.form, n).checked = this.current[n];
    this.previewRetention();
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
