// Activity: the vault's audit log, newest first, about every record or one token, and a
// check of its hash chain ("Verify the log").
import { api } from './api.js';
import { busy, clearErrors, enterRunsAction, field, showError } from './dialog-form.js';
import { el, formatDate } from './format.js';

export class ActivityDialog {
  constructor(dialog) {
    this.dialog = dialog;
    this.form = dialog.querySelector('form');
    this.rows = dialog.querySelector('[data-role="activity-rows"]');
    this.status = dialog.querySelector('[data-role="activity-status"]');
    enterRunsAction(this.form);
    const on = (action, fn) => this.form.querySelector(`[data-action="${action}"]`)
      .addEventListener('click', (e) => {
        e.preventDefault();
        fn(e.currentTarget);
      });
    on('filter-activity', (b) => this.load(b));
    on('verify-activity', (b) => this.verify(b));
    on('close', () => this.dialog.close());
  }

  open(token = '') {
    this.form.reset();
    clearErrors(this.form);
    field(this.form, 'activityToken').value = token;
    this.rows.replaceChildren();
    this.status.textContent = '';
    this.dialog.showModal();
    this.load(this.form.querySelector('[data-action="filter-activity"]'));
  }

  async load(button) {
    clearErrors(this.form);
    const token = field(this.form, 'activityToken').value.trim();
    try {
      const entries = await busy(button, () => api.activity(token || null));
      this.rows.replaceChildren(...entries.map((e) => el('tr', {},
        el('td', {}, formatDate(e.at)), el('td', {}, e.actor), el('td', {}, e.action),
        el('td', {}, e.token || ''), el('td', {}, e.detail))));
      this.status.textContent = entries.length ? `The last ${entries.length} entries.` : 'Nothing recorded yet.';
    } catch (e) {
      showError(this.form, e);
    }
  }

  async verify(button) {
    clearErrors(this.form);
    try {
      const check = await busy(button, () => api.verifyActivity());
      this.status.textContent = check.intact
        ? `The log is intact: ${check.entries} entries chain, none altered or removed.`
        : `The log was altered at entry ${check.firstBroken}: ${check.problem}. The ${check.entries} entries before it are intact.`;
    } catch (e) {
      showError(this.form, e);
    }
  }
}
