// Imports from other password managers (KeePassXC CSV, Bitwarden JSON) and from a Go
// VaultStore table. Each shows what the import would do before anything is written:
// a foreign file's preview comes from the file alone (new records, skipped items, what
// the records will not keep); a Go table's is a dry run of the import.
import { api } from './api.js';
import { Code, describe } from './errors.js';
import { busy, clearErrors, field, passwordErrors, showError } from './dialog-form.js';
import { el } from './format.js';
import { OperationDialog } from './operation-dialog.js';
import { toast } from './toast.js';

const SOURCES = {
  'keepassxc-csv': 'KeePassXC',
  'bitwarden-json': 'Bitwarden',
};

function facts(slot, rows) {
  slot.replaceChildren(
    ...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { dataset: { count: k } }, String(v))]),
  );
}

export class ForeignImportDialog extends OperationDialog {
  constructor(dialog) {
    super(dialog);
    this.source = null;
    this.form.querySelector('[data-action="import"]').addEventListener('click', (e) => this.run(e.currentTarget));
    dialog.addEventListener('close', () => this.forgetPasswords());
  }

  // Picks the file first (native dialog), then opens this dialog with its preview.
  async start(source) {
    try {
      const chosen = await api.chooseImport(source);
      if (!chosen.file) return;
      this.source = source;
      this.form.reset();
      this.resetView();
      this.form.querySelector('[data-role="title"]').textContent = `Import from ${SOURCES[source]}`;
      this.form.querySelector('[data-role="file"]').textContent = chosen.file;
      this.dialog.showModal();
      await this.preview();
    } catch (e) {
      toast(describe(e), { error: true });
    }
  }

  async preview() {
    const button = this.form.querySelector('[data-action="import"]');
    const dropped = this.form.querySelector('[data-role="dropped"]');
    try {
      const p = await api.previewForeignImport(this.source);
      facts(this.form.querySelector('[data-role="preview"]'), [
        ['New records', p.newRecords], ['Skipped', p.skipped],
      ]);
      dropped.replaceChildren(...p.dropped.map((d) => el('li', {}, `${d.what}: ${d.entries} ${d.entries === 1 ? 'entry' : 'entries'}`)));
      this.form.querySelector('[data-role="dropped-head"]').hidden = p.dropped.length === 0;
      button.disabled = p.newRecords === 0;
      field(this.form, 'password').focus();
    } catch (e) {
      button.disabled = true;
      this.showFormError(e);
    }
  }

  async run(button) {
    clearErrors(this.form);
    const password = field(this.form, 'password').value;
    if (password !== field(this.form, 'password2').value) {
      showError(this.form, { code: Code.INVALID_INPUT, field: 'password2', message: 'the two passwords differ; type the same password twice' });
      return;
    }
    try {
      const r = await busy(button, () => this.runOperation(
        'Importing… Cancel stops it and imports nothing.',
        (onProgress) => api.runForeignImport(this.source, password, onProgress),
      ));
      this.dialog.close();
      toast(`Imported ${r.created} records from ${SOURCES[this.source]}${r.skipped ? `; ${r.skipped} skipped` : ''}.`);
      this.dispatchEvent(new Event('changed'));
    } catch (e) {
      showError(this.form, e, passwordErrors);
    }
  }

  // The passwords typed here leave the page when the dialog closes, however it closes.
  forgetPasswords() {
    for (const n of ['password', 'password2']) field(this.form, n).value = '';
  }
}

export class GoImportDialog extends OperationDialog {
  constructor(dialog) {
    super(dialog);
    this.previewed = null;
    this.asked = 0; // which preview an answer belongs to: a changed field drops it
    this.form.querySelector('[data-action="preview"]').addEventListener('click', (e) => this.preview(e.currentTarget));
    this.form.querySelector('[data-action="import"]').addEventListener('click', (e) => this.run(e.currentTarget));
    for (const n of ['url', 'table', 'onConflict']) {
      field(this.form, n).addEventListener('input', () => this.invalidate());
    }
    // The URL may carry the database's password: it leaves the page with the dialog.
    dialog.addEventListener('close', () => {
      field(this.form, 'url').value = '';
      this.previewed = null;
    });
  }

  open() {
    this.form.reset();
    this.resetView();
    this.invalidate();
    this.dialog.showModal();
    field(this.form, 'url').focus();
  }

  source() {
    return {
      url: field(this.form, 'url').value,
      table: field(this.form, 'table').value,
      onConflict: field(this.form, 'onConflict').value,
    };
  }

  // A change after the preview needs a new one before Import.
  invalidate() {
    this.asked += 1;
    this.previewed = null;
    this.form.querySelector('[data-action="import"]').disabled = true;
    this.form.querySelector('[data-role="preview"]').replaceChildren();
  }

  async preview(button) {
    this.resetView();
    const source = this.source();
    const asked = ++this.asked;
    const stale = () => asked !== this.asked || !this.dialog.open;
    try {
      const r = await busy(button, () => this.runOperation(
        'Previewing… Cancel stops it; nothing is imported either way.',
        (onProgress) => api.previewGoImport(source, onProgress),
      ));
      // Import runs only what the fields show and the preview counted.
      if (stale()) return;
      facts(this.form.querySelector('[data-role="preview"]'), [
        ['New records', r.created], ['Skipped', r.skipped], ['Replaced', r.overwritten], ['Restored from the Trash', r.restored],
      ]);
      this.previewed = source;
      this.form.querySelector('[data-action="import"]').disabled = false;
    } catch (e) {
      if (!stale()) showError(this.form, e);
    }
  }

  async run(button) {
    if (!this.previewed) return;
    try {
      const r = await busy(button, () => this.runOperation(
        'Importing… Cancel stops it and imports nothing.',
        (onProgress) => api.runGoImport(this.previewed, onProgress),
      ));
      this.dialog.close();
      toast(`Imported from Go VaultStore: ${r.created} new, ${r.skipped} skipped, ${r.overwritten} replaced.`);
      this.dispatchEvent(new Event('changed'));
    } catch (e) {
      showError(this.form, e);
    }
  }
}
