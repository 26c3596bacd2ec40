// The record dialog's History: every version of the record, newest first (when, what
// changed; never a value), and "Restore…" on an earlier one, which asks for the password
// that version was sealed under. Loaded when the section is opened.
import { api } from './api.js';
import { Code } from './errors.js';
import { busy, field, showError } from './dialog-form.js';
import { el, formatDate } from './format.js';
import { toast } from './toast.js';

export class HistoryPanel {
  // `form`: the record dialog's form; `owner()`: the record shown and the opening it
  // belongs to; `onRestored(token)`: after a version became current.
  constructor(form, owner, onRestored) {
    this.form = form;
    this.owner = owner;
    this.onRestored = onRestored;
    this.section = form.querySelector('[data-role="history"]');
    this.list = form.querySelector('[data-role="versions"]');
    this.status = form.querySelector('[data-role="history-status"]');
    this.box = form.querySelector('[data-role="restore-version"]');
    this.version = null;
    this.section.addEventListener('toggle', () => {
      if (this.section.open) this.load();
    });
    form.querySelector('[data-action="restore-version"]').addEventListener('click', (e) => {
      e.preventDefault();
      this.restore(e.currentTarget);
    });
    form.querySelector('[data-action="cancel-restore-version"]').addEventListener('click', (e) => {
      e.preventDefault();
      this.closeBox();
    });
  }

  // A new record in the dialog: the section starts closed and empty.
  reset(hidden) {
    this.section.open = false;
    this.section.hidden = hidden;
    this.list.replaceChildren();
    this.status.textContent = '';
    this.closeBox();
  }

  closeBox() {
    this.version = null;
    this.box.hidden = true;
    field(this.form, 'versionPassword').value = '';
    this.form.querySelector('[data-for="versionPassword"]').textContent = '';
  }

  async load() {
    const { token, opening } = this.owner();
    this.status.textContent = 'Loading…';
    try {
      const versions = await api.recordHistory(token);
      if (this.owner().opening !== opening) return;
      this.status.textContent = versions.length === 1
        ? 'No earlier version yet.'
        : `${versions.length} versions.`;
      this.list.replaceChildren(...versions.map((v) => this.row(v)));
    } catch (e) {
      if (this.owner().opening !== opening) return;
      this.status.textContent = '';
      showError(this.form, e);
    }
  }

  row(v) {
    const what = v.changes.length ? v.changes.join(', ') : 'no visible change';
    const when = v.current ? `now, since ${formatDate(v.writtenAt)}` : `${formatDate(v.writtenAt)} to ${formatDate(v.replacedAt)}`;
    const restore = v.current ? null : el('button', {
      type: 'button',
      'aria-label': `Restore version ${v.number}`,
      onclick: (e) => {
        e.preventDefault();
        this.ask(v.number);
      },
    }, 'Restore…');
    return el('li', { dataset: { version: String(v.number) } },
      el('strong', {}, `Version ${v.number}`), ' ', el('span', {}, what), ' ',
      el('span', { class: 'muted' }, `(${when}${v.deletedForever ? ', then deleted' : ''})`), ' ', restore);
  }

  ask(number) {
    this.version = number;
    this.box.hidden = false;
    this.form.querySelector('[data-role="restore-version-label"]').textContent =
      `Password that opens version ${number}`;
    field(this.form, 'versionPassword').focus();
  }

  async restore(button) {
    const { token, opening } = this.owner();
    const number = this.version;
    const password = field(this.form, 'versionPassword').value;
    if (number === null) return;
    if (!password) {
      this.form.querySelector('[data-for="versionPassword"]').textContent = 'Type the password of that version.';
      return;
    }
    try {
      await busy(button, () => api.restoreVersion(token, number, password));
      if (this.owner().opening !== opening) return;
      this.closeBox();
      toast(`Version ${number} is the current value again.`);
      this.onRestored(token);
      this.load();
    } catch (e) {
      if (this.owner().opening !== opening) return;
      showError(this.form, e, { [Code.INVALID_PASSWORD]: 'versionPassword', [Code.POLICY]: 'versionPassword' });
    }
  }
}
