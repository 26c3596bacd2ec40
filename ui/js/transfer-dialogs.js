// Export and Import: the backend shows the native file dialog; the import dialog shows a
// preview (a dry run) of what the chosen options will do before anything is written.
import { api } from './api.js';
import { describe } from './errors.js';
import { confirmAction } from './confirm-dialog.js';
import { busy, clearErrors, enterRunsAction, field } from './dialog-form.js';
import { el } from './format.js';
import { toast } from './toast.js';

function showProgress(bar, { done, total }) {
  bar.hidden = false;
  bar.max = Math.max(total, 1);
  bar.value = done;
}

export class ExportDialog {
  constructor(dialog) {
    this.dialog = dialog;
    this.form = dialog.querySelector('form');
    enterRunsAction(this.form);
    this.form.querySelector('[data-action="export"]').addEventListener('click', (e) => this.run(e.currentTarget));
    field(this.form, 'format').addEventListener('change', () => this.showFormat());
  }

  open() {
    this.form.reset();
    clearErrors(this.form);
    this.showFormat();
    this.form.querySelector('[data-role="progress"]').hidden = true;
    this.dialog.showModal();
  }

  showFormat() {
    const plain = field(this.form, 'format').value !== 'bundle';
    this.form.querySelector('[data-role="plaintext"]').hidden = !plain;
    this.form.querySelector('[data-role="bundle-hint"]').hidden = plain;
  }

  async run(button) {
    clearErrors(this.form);
    const scope = this.form.querySelector('input[name="scope"]:checked').value;
    const bar = this.form.querySelector('[data-role="progress"]');
    const format = field(this.form, 'format').value;
    if (format !== 'bundle') {
      await this.runPlaintext(button, scope, format, bar);
      return;
    }
    try {
      const done = await busy(button, () => api.exportBundle(scope, (p) => showProgress(bar, p)));
      if (!done.path) return; // the file dialog was cancelled
      this.dialog.close();
      toast(`Exported ${done.count} record${done.count === 1 ? '' : 's'} to ${done.path}.`);
    } catch (e) {
      bar.hidden = true;
      this.form.querySelector('[data-for="form"]').textContent = describe(e);
    }
  }
}

// Plain text asks twice: the checkbox in the dialog, then a confirmation.
ExportDialog.prototype.runPlaintext = async function runPlaintext(button, scope, format, bar) {
  const error = this.form.querySelector('[data-for="form"]');
  const passwords = ['plainPassword', 'plainPassword2'].map((n) => field(this.form, n).value).filter(Boolean);
  if (passwords.length === 0) {
    error.textContent = 'Enter the password of the records to export.';
    field(this.form, 'plainPassword').focus();
    return;
  }
  if (!field(this.form, 'understand').checked) {
    error.textContent = 'Tick the box to confirm you understand the file will not be encrypted.';
    return;
  }
  this.dialog.close();
  const ok = await confirmAction('Write your secrets in plain text?',
    'Every value that opens with the given password will be written unencrypted to the file you choose next.',
    'Write plain text');
  if (!ok) return;
  try {
    const done = await busy(button, () => api.exportPlaintext(scope, format, passwords, (p) => showProgress(bar, p)));
    if (!done.path) return;
    const left = done.unopened.length
      ? ` ${done.unopened.length} did not open with the password and were left out: ${done.unopened.join(', ')}.`
      : '';
    toast(`Exported ${done.exported} value${done.exported === 1 ? '' : 's'} in plain text to ${done.path}.${left}`, { seconds: 12 });
  } catch (e) {
    toast(describe(e), { error: true });
  }
};

export class ImportDialog extends EventTarget {
  constructor(dialog) {
    super();
    this.dialog = dialog;
    this.form = dialog.querySelector('form');
    this.running = false;
    enterRunsAction(this.form);
    for (const n of ['onConflict', 'restoreDeleted']) {
      field(this.form, n).addEventListener('change', () => this.preview());
    }
    this.form.querySelector('[data-action="import"]').addEventListener('click', (e) => this.run(e.currentTarget));
    this.form.querySelector('[data-action="cancel"]').addEventListener('click', async () => {
      if (this.running) await api.cancelOperation();
      else this.dialog.close();
    });
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

  async preview() {
    clearErrors(this.form);
    const slot = this.form.querySelector('[data-role="preview"]');
    const button = this.form.querySelector('[data-action="import"]');
    try {
      const r = await api.previewImport(this.choice());
      slot.replaceChildren(
        ...[['New records', r.created], ['Skipped', r.skipped], ['Replaced', r.overwritten], ['Restored from the Trash', r.restored]]
          .flatMap(([k, v]) => [el('dt', {}, k), el('dd', { dataset: { count: k } }, String(v))]),
      );
      button.disabled = false;
    } catch (e) {
      slot.replaceChildren();
      button.disabled = true;
      this.form.querySelector('[data-for="form"]').textContent = describe(e);
    }
  }

  async run(button) {
    clearErrors(this.form);
    const bar = this.form.querySelector('[data-role="progress"]');
    this.running = true;
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
    }
  }
}
