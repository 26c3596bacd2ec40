// Restore to a moment: a preview (a dry run: what would be restored, come back, go to the
// Trash) before anything changes; Restore runs exactly that, in one transaction.
import { api } from './api.js';
import { busy, clearErrors, enterRunsAction, field, showError } from './dialog-form.js';
import { el } from './format.js';
import { toast } from './toast.js';

const SHOWN = 50;

export class RestoreToDialog extends EventTarget {
  constructor(dialog) {
    super();
    this.dialog = dialog;
    this.form = dialog.querySelector('form');
    this.previewed = null; // { at, prefix, total } the Restore button runs
    this.asked = 0; // which preview an answer belongs to: a changed field or a close drops it
    enterRunsAction(this.form);
    const on = (action, fn) => this.form.querySelector(`[data-action="${action}"]`)
      .addEventListener('click', (e) => {
        e.preventDefault();
        fn(e.currentTarget);
      });
    on('preview-restore-to', (b) => this.preview(b));
    on('run-restore-to', (b) => this.run(b));
    on('cancel', () => this.dialog.close());
    // A changed moment or filter needs a new preview before Restore.
    for (const name of ['restoreAt', 'restorePrefix']) {
      field(this.form, name).addEventListener('input', () => this.forgetPreview());
    }
  }

  open() {
    this.form.reset();
    clearErrors(this.form);
    this.forgetPreview();
    this.dialog.showModal();
    field(this.form, 'restoreAt').focus();
  }

  forgetPreview() {
    this.asked += 1;
    this.previewed = null;
    this.form.querySelector('[data-action="run-restore-to"]').disabled = true;
    this.form.querySelector('[data-role="restore-to-summary"]').textContent = '';
    this.form.querySelector('[data-role="restore-to-list"]').replaceChildren();
  }

  chosen() {
    const text = field(this.form, 'restoreAt').value;
    const at = text ? new Date(text) : null;
    if (!at || Number.isNaN(at.getTime())) return null;
    return { at: at.toISOString(), prefix: field(this.form, 'restorePrefix').value.trim() };
  }

  async preview(button) {
    clearErrors(this.form);
    const chosen = this.chosen();
    if (!chosen) {
      this.form.querySelector('[data-for="form"]').textContent = 'Pick the moment to go back to.';
      return;
    }
    const asked = ++this.asked;
    const stale = () => asked !== this.asked || !this.dialog.open;
    try {
      const plan = await busy(button, () => api.restoreTo(chosen.at, chosen.prefix, true));
      // Restore runs only what the fields show and the preview showed.
      if (stale()) return;
      const total = plan.restored.length + plan.recreated.length + plan.trashed.length;
      const lines = [
        ...plan.restored.map((t) => `${t}: restored`),
        ...plan.recreated.map((t) => `${t}: comes back (deleted forever since)`),
        ...plan.trashed.map((t) => `${t}: to the Trash (created since)`),
      ];
      this.form.querySelector('[data-role="restore-to-summary"]').textContent = total === 0
        ? 'Nothing differs from that moment.'
        : `${total} record${total === 1 ? '' : 's'} would change: ${plan.restored.length} restored, ${plan.recreated.length} back, ${plan.trashed.length} to the Trash.${lines.length > SHOWN ? ` The first ${SHOWN}:` : ''}`;
      this.form.querySelector('[data-role="restore-to-list"]').replaceChildren(
        ...lines.slice(0, SHOWN).map((l) => el('li', {}, l)),
      );
      this.previewed = total > 0 ? { ...chosen, total } : null;
      this.form.querySelector('[data-action="run-restore-to"]').disabled = total === 0;
    } catch (e) {
      if (!stale()) showError(this.form, e);
    }
  }

  async run(button) {
    if (!this.previewed) return;
    clearErrors(this.form);
    const { at, prefix, total } = this.previewed;
    try {
      const done = await busy(button, () => api.restoreTo(at, prefix, false));
      const changed = done.restored.length + done.recreated.length + done.trashed.length;
      this.dialog.close();
      toast(changed === total
        ? `${changed} record${changed === 1 ? '' : 's'} put back as they were.`
        : `${changed} records put back (the vault changed after the preview: ${total} were previewed).`);
      this.dispatchEvent(new Event('changed'));
    } catch (e) {
      showError(this.form, e);
    }
  }
}
