// Export and Import: the backend shows the native file dialog; the import dialog shows a
// preview (a dry run) of what the chosen options will do before anything is written.
import { api } from './api.js';
import { describe } from './errors.js';
import { confirmAction } from './confirm-dialog.js';
import { busy, clearErrors, field, startProgress } from './dialog-form.js';
import { OperationDialog, showProgress } from './operation-dialog.js';
import { el } from './format.js';
import { toast } from './toast.js';

const PLAIN_PASSWORDS = ['plainPassword', 'plainPassword2'];

// An export runs inside its dialog: progress and Cancel stay in sight until it ends, and
// Esc does not hide it. A plaintext export asks twice (the checkbox, then a question
// on top of this dialog) before it starts.
export class ExportDialog extends OperationDialog {
  constructor(dialog) {
    super(dialog);
    this.locks = 0;
    this.form.querySelector('[data-action="export"]').addEventListener('click', (e) => this.run(e.currentTarget));
    field(this.form, 'format').addEventListener('change', () => this.showFormat());
    dialog.addEventListener('close', () => this.forgetPasswords());
  }

  open() {
    this.form.reset();
    clearErrors(this.form);
    this.showFormat();
    this.form.querySelector('[data-role="progress"]').hidden = true;
    this.setStatus('');
    this.dialog.showModal();
  }

  // Locking closes the dialog, which clears the passwords typed here (unless an export
  // is using them), and drops an export still waiting for its confirmation.
  lock() {
    if (this.running) return;
    this.locks += 1;
    this.dialog.close();
  }

  forgetPasswords() {
    for (const n of PLAIN_PASSWORDS) field(this.form, n).value = '';
  }

  showFormat() {
    const plain = field(this.form, 'format').value !== 'bundle';
    this.form.querySelector('[data-role="plaintext"]').hidden = !plain;
    this.form.querySelector('[data-role="bundle-hint"]').hidden = plain;
  }

  async run(button) {
    clearErrors(this.form);
    const scope = this.form.querySelector('input[name="scope"]:checked').value;
    const format = field(this.form, 'format').value;
    let work = (onProgress) => api.exportBundle(scope, onProgress);
    if (format !== 'bundle') {
      const locks = this.locks;
      const passwords = await this.plaintextPasswords();
      if (!passwords || locks !== this.locks) return;
      work = (onProgress) => api.exportPlaintext(scope, format, passwords, onProgress);
    }
    const done = await this.track(button, work);
    if (!done?.path) return; // failed (the error is shown) or the file dialog was cancelled
    this.dialog.close();
    if (format === 'bundle') {
      toast(`Exported ${done.count} record${done.count === 1 ? '' : 's'} to ${done.path}.`);
      return;
    }
    const left = done.unopened.length
      ? ` ${done.unopened.length} did not open with the password and were left out: ${done.unopened.join(', ')}.`
      : '';
    toast(`Exported ${done.exported} value${done.exported === 1 ? '' : 's'} in plain text to ${done.path}.${left}`, { seconds: 12 });
  }

  // Runs `work` with its progress in this dialog; resolves to its answer, or null after
  // showing its error.
  async track(button, work) {
    const bar = this.form.querySelector('[data-role="progress"]');
    startProgress(bar);
    this.setStatus('Exporting… Cancel stops it and removes nothing.');
    this.running = true;
    try {
      return await busy(button, () => work((p) => showProgress(bar, p)));
    } catch (e) {
      this.form.querySelector('[data-for="form"]').textContent = describe(e);
      return null;
    } finally {
      this.running = false;
      this.forgetPasswords();
      bar.hidden = true;
      this.setStatus('');
    }
  }
}

// The passwords for a plaintext export once both questions are answered yes, else null.
ExportDialog.prototype.plaintextPasswords = async function plaintextPasswords() {
  const error = this.form.querySelector('[data-for="form"]');
  const passwords = PLAIN_PASSWORDS.map((n) => field(this.form, n).value).filter(Boolean);
  if (passwords.length === 0) {
    error.textContent = 'Enter the password of the records to export.';
    field(this.form, 'plainPassword').focus();
    return null;
  }
  if (!field(this.form, 'understand').checked) {
    error.textContent = 'Tick the box to confirm you understand the file will not be encrypted.';
    return null;
  }
  const ok = await confirmAction('Write your secrets in plain text?',
    'Every value that opens with the given password will be written unencrypted to the file you choose next.',
    'Write plain text');
  return ok ? passwords : null;
};

export class ImportDialog extends OperationDialog {
  constructor(dialog) {
    super(dialog);
    for (const n of ['onConflict', 'restoreDeleted']) {
      field(this.form, n).addEventListener('change', () => this.preview());
    }
    this.form.querySelector('[data-action="import"]').addEventListener('click', (e) => this.run(e.currentTarget));
  }

  // Picks the file first (native dialog), then opens this dialog with its preview.
  async start() {
    try {
      const chosen = await api.chooseImport();
      if (!chosen.file) return;
      this.form.reset();
      clearErrors(this.form);
      this.form.querySelector('[data-role="file"]').textContent = chosen.file;
      this.form.querySelector('[data-role="progress"]').hidden = true;
      this.setStatus('');
      this.dialog.showModal();
      await this.preview();
    } catch (e) {
      toast(describe(e), { error: true });
    }
  }

  choice() {
    return {
      onConflict: field(this.form, 'onConflict').value,
      restoreDeleted: field(this.form, 'restoreDeleted').checked,
    };
  }

  // Import stays off until the preview of the options shown has answered; an answer
  // for options changed since is dropped.
  async preview() {
    clearErrors(this.form);
    const slot = this.form.querySelector('[data-role="preview"]');
    const button = this.form.querySelector('[data-action="import"]');
    const asked = (this.asked = (this.asked || 0) + 1);
    button.disabled = true;
    try {
      const r = await api.previewImport(this.choice());
      if (asked !== this.asked) return;
      slot.replaceChildren(
        ...[['New records', r.created], ['Skipped', r.skipped], ['Replaced', r.overwritten], ['Restored from the Trash', r.restored]]
          .flatMap(([k, v]) => [el('dt', {}, k), el('dd', { dataset: { count: k } }, String(v))]),
      );
      button.disabled = false;
    } catch (e) {
      if (asked !== this.asked) return;
      slot.replaceChildren();
      this.form.querySelector('[data-for="form"]').textContent = describe(e);
    }
  }

  // Progress and Cancel stay in sight until the import ends; Esc does not hide it.
  async run(button) {
    clearErrors(this.form);
    const bar = this.form.querySelector('[data-role="progress"]');
    startProgress(bar);
    this.setStatus('Importing… Cancel stops it and imports nothing.');
    this.running = true;
    this.setOptionsDisabled(true); // a change would start a preview while the import runs
    try {
      const r = await busy(button, () => api.runImport(this.choice(), (p) => showProgress(bar, p)));
      this.dialog.close();
      toast(`Imported: ${r.created} new, ${r.skipped} skipped, ${r.overwritten} replaced, ${r.restored} restored.`);
      this.dispatchEvent(new Event('changed'));
    } catch (e) {
      bar.hidden = true;
      this.form.querySelector('[data-for="form"]').textContent = describe(e);
    } finally {
      this.running = false;
      this.setOptionsDisabled(false);
      this.setStatus('');
    }
  }

  setOptionsDisabled(disabled) {
    for (const n of ['onConflict', 'restoreDeleted']) field(this.form, n).disabled = disabled;
  }
}
