// One record: reveal (masked, show/hide, copy, re-masked after a timeout), edit value,
// details, rekey, renew, trash / restore / delete forever.
//
// The plaintext lives only in `this.value` while revealed; it enters the DOM only while
// "Show" is on, and both are wiped on hide timeout, lock and close. An edit being typed
// survives the hide timeout (typing restarts it) until it is saved or discarded.
//
// Answers of the backend carry the token they belong to; one that arrives after the
// dialog moved on (closed, or opened another record) is dropped.
import { api } from './api.js';
import { Code, describe } from './errors.js';
import { busy, clearErrors, enterRunsAction, expiryFrom, field, passwordErrors, showError, tagsFrom } from './dialog-form.js';
import { confirmAction, confirmTyped } from './confirm-dialog.js';
import { el, expiryBadge, formatDate } from './format.js';
import { HistoryPanel } from './history-panel.js';
import { strength } from './password-tools.js';
import { toast } from './toast.js';

const MASK = '••••••••••••';

// Extra metadata fields shown (and editable) when a record has them.
const EXTRA_FIELDS = ['url', 'username'];

// Every password field of the dialog: cleared on close and on lock.
const PASSWORD_FIELDS = ['password', 'editPassword', 'rekeyOld', 'newPassword', 'newConfirm', 'versionPassword'];

export class RecordDialog extends EventTarget {
  constructor(dialog, settings) {
    super();
    this.dialog = dialog;
    this.form = dialog.querySelector('form');
    this.settings = settings;
    this.value = null;
    this.timer = null;
    this.opening = 0; // which opening of the dialog an answer belongs to
    enterRunsAction(this.form);
    const on = (action, fn) =>
      this.form.querySelector(`[data-action="${action}"]`).addEventListener('click', (e) => {
        e.preventDefault();
        fn(e.currentTarget);
      });
    on('open', (b) => this.reveal(b));
    on('copy-with-password', (b) => this.copy(b, true));
    on('toggle', () => this.toggle());
    on('copy', (b) => this.copy(b, false));
    on('edit-value', () => this.startEdit());
    on('save-value', (b) => this.saveValue(b));
    on('discard-value', () => this.forgetValue());
    on('save-details', (b) => this.saveDetails(b));
    on('rekey', (b) => this.rekey(b));
    on('renew', (b) => this.renew(b));
    on('trash', (b) => this.trash(b));
    on('restore', (b) => this.restore(b));
    on('delete-forever', () => this.deleteForever());
    on('close', () => this.closeAsking());
    on('reload-record', () => this.reloadRecord());
    on('keep-mine', () => this.keepMine());
    this.saving = 0; // saves in flight: their own change is not someone else's
    this.latest = null; // the record as another client left it
    this.history = new HistoryPanel(this.form, () => ({ token: this.record?.token, opening: this.opening }), async (token) => {
      // A value shown is no longer the current one; an edit being typed stays (it is theirs).
      if (!this.editing()) this.forgetValue();
      // The restore is this dialog's own change, not someone else's.
      this.saving += 1;
      try {
        await this.rebase();
      } finally {
        this.saving -= 1;
      }
      this.dispatchEvent(new CustomEvent('changed', { detail: { token } }));
    });
    field(this.form, 'renewPreset').addEventListener('change', () => {
      field(this.form, 'renewAt').hidden = field(this.form, 'renewPreset').value !== 'custom';
    });
    field(this.form, 'newPassword').addEventListener('input', () => {
      this.form.querySelector('[data-role="rekey-strength"]').textContent =
        strength(field(this.form, 'newPassword').value).label;
    });
    field(this.form, 'newValue').addEventListener('input', () => {
      if (this.value !== null) this.armTimer();
    });
    // Closing (Close or Esc) with a new value or details typed and not saved asks first.
    dialog.addEventListener('cancel', (e) => {
      if (this.unsaved().length === 0) return;
      e.preventDefault();
      this.closeAsking();
    });
    // Closed: the value and every password typed leave the DOM.
    dialog.addEventListener('close', () => {
      this.forgetValue();
      this.clearPasswords();
      this.history.closeBox();
    });
  }

  // What was typed and not saved: the new value, then the details.
  unsaved() {
    return [...(this.editing() ? ['new value'] : []), ...(this.record ? this.unsavedDetails() : [])];
  }

  clearPasswords() {
    for (const n of PASSWORD_FIELDS) field(this.form, n).value = '';
  }

  async closeAsking() {
    const unsaved = this.unsaved();
    const ok = unsaved.length === 0 || await confirmAction('Discard your changes?',
      `Your ${unsaved.join(', ')} ${unsaved.length === 1 ? 'has' : 'have'} not been saved. Discard and close?`, 'Discard');
    if (ok) this.dialog.close();
  }

  // Whether an answer about `token`, asked during opening `opening`, still belongs here.
  current(opening, token) {
    return this.dialog.open && opening === this.opening && this.record?.token === token;
  }

  open(record) {
    this.record = record;
    this.opening += 1;
    this.forgetValue();
    this.form.reset();
    clearErrors(this.form);
    this.setLockNote('');
    this.showChanged(null);
    const trashed = record.status === 'deleted';
    this.dialog.querySelector('#record-title').textContent = record.label || record.token;
    this.renderFacts();
    field(this.form, 'label').value = record.label || '';
    field(this.form, 'tags').value = record.tags.join(', ');
    field(this.form, 'notes').value = record.notes || '';
    for (const name of EXTRA_FIELDS) {
      field(this.form, name).value = record[name] || '';
      this.form.querySelector(`[data-role="${name}-field"]`).hidden = !record[name];
    }
    field(this.form, 'renewAt').hidden = true;
    this.form.querySelector('[data-role="unlock"]').hidden = trashed;
    this.form.querySelector('[data-role="more"]').hidden = trashed;
    this.history.reset(trashed);
    this.form.querySelector('[data-action="trash"]').hidden = trashed;
    this.form.querySelector('[data-action="restore"]').hidden = !trashed;
    this.form.querySelector('[data-action="delete-forever"]').hidden = !trashed;
    this.dialog.showModal();
    // Try this session's keys first (no password typed): the record's own, or one
    // derived for another record under the same password. Without one, the password
    // field takes the focus.
    if (!trashed) this.reveal(this.form.querySelector('[data-action="open"]'), true);
  }

  // The record's facts as last loaded (or saved here).
  renderFacts() {
    const { record } = this;
    const badge = expiryBadge(record, Date.now(), this.settings().expiringSoonDays || 7);
    const facts = [
      ['Token', record.token],
      ['Status', record.status],
      ['Expiry', badge.text],
      ['Created', formatDate(record.createdAt)],
      ['Updated', formatDate(record.updatedAt)],
      ['Deleted', formatDate(record.softDeletedAt)],
      ['Tags', record.tags.join(', ')],
      ['Notes', record.notes],
    ].filter(([, v]) => v);
    this.form.querySelector('[data-role="facts"]').replaceChildren(
      ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
    );
  }

  password() {
    return field(this.form, 'password').value || null;
  }

  async reveal(button, remembered = false) {
    clearErrors(this.form);
    const { opening } = this;
    const { token } = this.record;
    try {
      const answer = await busy(button, () => api.revealValue(token, remembered ? null : this.password()));
      // The row's "open" state changed either way; the value goes only to its own record.
      this.dispatchEvent(new CustomEvent('changed', { detail: { token } }));
      if (!this.current(opening, answer.token)) return;
      this.value = answer.value;
      field(this.form, 'password').value = '';
      this.form.querySelector('[data-role="unlock"]').hidden = true;
      this.form.querySelector('[data-role="value"]').hidden = false;
      this.setShown(false);
      this.armTimer();
      if (answer.bySessionKey && !this.record.opened) {
        toast('Opened with a password you used earlier in this session.');
      }
    } catch (e) {
      if (!this.current(opening, token)) return;
      if (remembered && e.code === Code.PASSWORD_REQUIRED) {
        field(this.form, 'password').focus();
        return;
      }
      showError(this.form, e, passwordErrors);
    }
  }

  setShown(shown) {
    const pre = this.form.querySelector('[data-role="value-text"]');
    pre.textContent = shown && this.value !== null ? this.value : MASK;
    const b = this.form.querySelector('[data-action="toggle"]');
    b.setAttribute('aria-pressed', String(shown));
    b.textContent = shown ? 'Hide' : 'Show';
  }

  toggle() {
    const shown = this.form.querySelector('[data-action="toggle"]').getAttribute('aria-pressed') === 'true';
    this.setShown(!shown);
    this.armTimer();
  }

  armTimer() {
    clearTimeout(this.timer);
    const seconds = this.settings().revealSeconds || 30;
    this.form.querySelector('[data-role="value-hint"]').textContent = `hidden again in ${seconds} s`;
    this.timer = setTimeout(() => this.timeUp(), seconds * 1000);
  }

  editing() {
    return !this.form.querySelector('[data-role="edit-value"]').hidden && field(this.form, 'newValue').value !== '';
  }

  // The reveal time is up: the value goes; an edit being typed stays until the user
  // saves or discards it (it is theirs, not the stored secret).
  timeUp() {
    if (!this.editing()) {
      this.forgetValue();
      return;
    }
    this.value = null;
    this.setShown(false);
    for (const b of this.form.querySelectorAll('[data-needs-value]')) b.hidden = true;
    this.form.querySelector('[data-role="value-hint"]').textContent =
      'The value is hidden again; your edit is kept. Save it or discard it.';
  }

  // Removes the plaintext (and any edit of it) from the DOM and from memory, back to the
  // password prompt.
  forgetValue() {
    clearTimeout(this.timer);
    this.value = null;
    const pre = this.form.querySelector('[data-role="value-text"]');
    pre.textContent = '';
    field(this.form, 'newValue').value = '';
    field(this.form, 'editPassword').value = '';
    for (const b of this.form.querySelectorAll('[data-needs-value]')) b.hidden = false;
    this.form.querySelector('[data-role="edit-value"]').hidden = true;
    this.form.querySelector('[data-role="value"]').hidden = true;
    if (this.record && this.record.status !== 'deleted') {
      this.form.querySelector('[data-role="unlock"]').hidden = false;
    }
  }

  async copy(button, withPassword) {
    clearErrors(this.form);
    const { opening } = this;
    const { token } = this.record;
    try {
      const answer = await busy(button, () => api.copyValue(token, withPassword ? this.password() : null));
      this.dispatchEvent(new CustomEvent('changed', { detail: { token } }));
      if (!this.current(opening, answer.token)) {
        toast(`Copied ${answer.token}. The clipboard is cleared in ${answer.seconds} s.`);
        return;
      }
      if (withPassword) field(this.form, 'password').value = '';
      toast(`Copied. The clipboard is cleared in ${answer.seconds} s.`);
    } catch (e) {
      if (this.current(opening, token)) showError(this.form, e, passwordErrors);
    }
  }

  startEdit() {
    this.form.querySelector('[data-role="edit-value"]').hidden = false;
    field(this.form, 'newValue').focus();
    this.armTimer();
  }

  // A change that could lock the owner out needs the password typed now, not the one
  // remembered since the record was opened.
  typedPassword(name) {
    const password = field(this.form, name).value;
    if (!password) {
      this.form.querySelector(`[data-for="${name}"]`).textContent = 'Type the current password of this record.';
      field(this.form, name).focus();
    }
    return password || null;
  }

  async saveValue(button) {
    clearErrors(this.form);
    const password = this.typedPassword('editPassword');
    if (!password) return;
    const { opening } = this;
    const { token } = this.record;
    this.saving += 1;
    try {
      await busy(button, () => api.updateValue(token, field(this.form, 'newValue').value, password, this.record.updatedAt));
      this.dispatchEvent(new CustomEvent('changed', { detail: { token } }));
      if (!this.current(opening, token)) return toast(`Value of ${token} saved.`);
      await this.rebase();
      toast('Value saved.');
      this.forgetValue();
    } catch (e) {
      if (!this.current(opening, token)) return toast(describe(e), { error: true });
      if (e.code === Code.CHANGED) this.checkChanged(true);
      showError(this.form, e, { [Code.INVALID_PASSWORD]: 'editPassword', [Code.POLICY]: 'editPassword' });
    } finally {
      this.saving -= 1;
    }
  }

  // The details as shown: only these are sent, so every other stored key is kept.
  details() {
    const shown = Object.fromEntries(EXTRA_FIELDS
      .filter((n) => !this.form.querySelector(`[data-role="${n}-field"]`).hidden)
      .map((n) => [n, field(this.form, n).value.trim()]));
    return {
      label: field(this.form, 'label').value.trim(),
      notes: field(this.form, 'notes').value.trim(),
      tags: tagsFrom(field(this.form, 'tags').value),
      fields: shown,
    };
  }

  async saveDetails(button) {
    clearErrors(this.form);
    const metadata = this.details();
    const { opening, record } = this;
    const { token } = record;
    this.saving += 1;
    try {
      await busy(button, () => api.updateMetadata(record.id, metadata, record.updatedAt));
      this.dispatchEvent(new CustomEvent('changed', { detail: { token } }));
      if (!this.current(opening, token)) return toast(`Details of ${token} saved.`);
      await this.rebase();
      Object.assign(record, metadata.fields, {
        label: metadata.label || null, notes: metadata.notes || null, tags: metadata.tags,
      });
      this.setLockNote('');
      toast('Details saved.');
    } catch (e) {
      if (!this.current(opening, token)) return toast(describe(e), { error: true });
      if (e.code === Code.CHANGED) this.checkChanged(true);
      showError(this.form, e);
    } finally {
      this.saving -= 1;
    }
  }

  async rekey(button) {
    clearErrors(this.form);
    const next = field(this.form, 'newPassword').value;
    if (next !== field(this.form, 'newConfirm').value) {
      this.form.querySelector('[data-for="form"]').textContent = 'The two new passwords differ.';
      return;
    }
    const old = this.typedPassword('rekeyOld');
    if (!old) return;
    const { opening } = this;
    const { token } = this.record;
    this.saving += 1;
    try {
      await busy(button, () => api.rekeyRecord(token, old, next));
      this.dispatchEvent(new CustomEvent('changed', { detail: { token } }));
      if (!this.current(opening, token)) return toast(`Password changed for ${token}.`);
      await this.rebase();
      for (const n of ['rekeyOld', 'newPassword', 'newConfirm']) field(this.form, n).value = '';
      toast('Password changed for this record.');
    } catch (e) {
      if (!this.current(opening, token)) return toast(describe(e), { error: true });
      showError(this.form, e, { [Code.INVALID_PASSWORD]: 'rekeyOld', [Code.POLICY]: 'form' });
    } finally {
      this.saving -= 1;
    }
  }

  async renew(button) {
    clearErrors(this.form);
    const at = expiryFrom(field(this.form, 'renewPreset').value, field(this.form, 'renewAt').value);
    if (at === undefined) {
      this.form.querySelector('[data-for="form"]').textContent = 'Pick a date and time for the expiry.';
      return;
    }
    const { opening } = this;
    const { token } = this.record;
    this.saving += 1;
    try {
      await busy(button, () => api.renewRecord(token, at));
      toast(at ? `Expires ${formatDate(at)}.` : 'Never expires.');
      this.dispatchEvent(new CustomEvent('changed', { detail: { token } }));
      if (!this.current(opening, token)) return;
      field(this.form, 'renewPreset').value = 'never';
      field(this.form, 'renewAt').hidden = true;
      // Details typed and not saved stay open to be saved; otherwise the job is done.
      if (this.unsavedDetails().length > 0) {
        await this.rebase();
        this.record.expiresAt = at;
        this.renderFacts();
      } else {
        this.dialog.close();
      }
    } catch (e) {
      if (this.current(opening, token)) showError(this.form, e);
    } finally {
      this.saving -= 1;
    }
  }

  async trash(button) {
    const { opening } = this;
    const token = this.record.token;
    try {
      const undoAt = await busy(button, () => api.softDeleteRecord(token));
      if (this.current(opening, token)) this.dialog.close();
      this.dispatchEvent(new CustomEvent('changed', { detail: { token } }));
      // Undo here is the app's one Undo (also Ctrl+Z and the Undo bar): the last change.
      toast('Moved to the Trash.', {
        action: 'Undo',
        onAction: () => document.dispatchEvent(new CustomEvent('undo-last', { detail: undoAt })),
      });
    } catch (e) {
      if (this.current(opening, token)) showError(this.form, e);
      else toast(describe(e), { error: true });
    }
  }

  async restore(button) {
    const { opening } = this;
    const { token } = this.record;
    try {
      await busy(button, () => api.restoreRecord(token));
      if (this.current(opening, token)) this.dialog.close();
      toast(`Restored ${token}.`);
      this.dispatchEvent(new CustomEvent('changed', { detail: { token } }));
    } catch (e) {
      if (this.current(opening, token)) showError(this.form, e);
      else toast(describe(e), { error: true });
    }
  }

  async deleteForever() {
    const token = this.record.token;
    this.dialog.close();
    const typed = await confirmTyped('Delete forever?', `${token} and its value will be gone for good. Undo (Ctrl+Z) can bring it back until your next change; after that it cannot.`, 'Delete forever', token);
    if (typed === null) return;
    try {
      const undoAt = await api.deleteRecord(token, typed);
      toast('Deleted for good.', { action: 'Undo', onAction: () => document.dispatchEvent(new CustomEvent('undo-last', { detail: undoAt })) });
      this.dispatchEvent(new CustomEvent('changed', { detail: { token } }));
    } catch (e) {
      toast(describe(e), { error: true });
    }
  }
}

// Locking (idle or by hand): the value and every password typed leave the dialog. Details
// typed and not saved yet stay, and the dialog says so; a dialog with nothing unsaved
// simply closes. Returns the names of what was kept.
RecordDialog.prototype.lock = function lock(reason) {
  if (!this.dialog.open) return [];
  const kept = this.unsavedDetails();
  if (kept.length === 0) {
    this.dialog.close();
    return [];
  }
  this.forgetValue();
  this.clearPasswords();
  clearErrors(this.form);
  this.setLockNote(`${reason} Your unsaved ${kept.join(', ')} ${kept.length === 1 ? 'was' : 'were'} kept: save them with "Save details" (or set the expiry). The value and any password typed were cleared.`);
  return kept;
};

// The non-secret fields that differ from the record as loaded.
RecordDialog.prototype.unsavedDetails = function unsavedDetails() {
  const r = this.record;
  const d = this.details();
  const changed = [
    ['label', d.label !== (r.label || '')],
    ['notes', d.notes !== (r.notes || '')],
    ['tags', d.tags.join(',') !== r.tags.join(',')],
    ...EXTRA_FIELDS.map((n) => [n, n in d.fields && d.fields[n] !== (r[n] || '')]),
    ['expiry', field(this.form, 'renewPreset').value !== 'never'],
  ];
  return changed.filter(([, c]) => c).map(([n]) => n);
};

RecordDialog.prototype.setLockNote = function setLockNote(text) {
  const note = this.form.querySelector('[data-role="lock-note"]');
  note.textContent = text;
  note.hidden = !text;
};

// After a save of ours: what the record is now is what later saves compare with.
RecordDialog.prototype.rebase = async function rebase() {
  const { opening } = this;
  const { token } = this.record;
  const now = await api.recordNow(token).catch(() => null);
  if (now && this.current(opening, token)) {
    this.record.updatedAt = now.updatedAt;
    this.showChanged(null);
  }
};

// The vault changed somewhere: if it was this record, and not by a save of this dialog,
// say so. What was typed stays; "Reload" shows the record as it is now (dropping the
// edits), "Keep mine" lets the next save replace it (the replaced state stays in History).
// `afterConflict`: a save of ours was just refused as changed, so the note shows even
// while that save is still counted.
RecordDialog.prototype.checkChanged = async function checkChanged(afterConflict = false) {
  const ours = () => this.saving > 0 && !afterConflict;
  if (!this.dialog.open || !this.record || ours()) return;
  const { opening } = this;
  const { token } = this.record;
  let now;
  try {
    now = await api.recordNow(token);
  } catch {
    return; // unreachable now: the title bar says so, the next change asks again
  }
  if (!this.current(opening, token) || ours()) return;
  if (!now) {
    this.showChanged('Deleted forever by someone else; it can come back from History (vaultstore restore-version).', null);
  } else if (now.updatedAt !== this.record.updatedAt) {
    this.showChanged('Changed by someone else since you opened it.', now);
  }
};

RecordDialog.prototype.showChanged = function showChanged(text, latest = null) {
  const note = this.form.querySelector('[data-role="changed-note"]');
  this.latest = latest;
  note.hidden = !text;
  if (text) this.form.querySelector('[data-role="changed-text"]').textContent = text;
  this.form.querySelector('[data-action="keep-mine"]').hidden = !latest;
  this.form.querySelector('[data-action="reload-record"]').hidden = !latest;
};

RecordDialog.prototype.reloadRecord = function reloadRecord() {
  if (this.latest) this.open(this.latest);
};

RecordDialog.prototype.keepMine = function keepMine() {
  if (this.latest) this.record.updatedAt = this.latest.updatedAt;
  this.showChanged(null);
  clearErrors(this.form);
};
