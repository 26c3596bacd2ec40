// A bulk change on the selected records (or every record the filter matches): the
// dialog shows how many records it changes and the first of them before and after,
// refreshed as the options change, then applies it in one transaction with progress
// and Cancel. Deleting for good also takes the count, typed.
import { api } from './api.js';
import { Code } from './errors.js';
import { busy, clearErrors, field, showError } from './dialog-form.js';
import { el, formatDate } from './format.js';
import { OperationDialog } from './operation-dialog.js';

const TITLES = {
  renew: 'Renew',
  addTag: 'Add a tag to',
  removeTag: 'Remove a tag from',
  softDelete: 'Move to the Trash',
  restore: 'Restore from the Trash',
  deleteForever: 'Delete for good',
};

const DONE = {
  renew: 'Renewed', addTag: 'Tagged', removeTag: 'Untagged', softDelete: 'Moved to the Trash',
  restore: 'Restored', deleteForever: 'Deleted for good',
};

const plural = (n) => `${n} record${n === 1 ? '' : 's'}`;

function stateText(s) {
  if (!s) return 'deleted for good';
  const parts = [s.expiresAt ? `expires ${formatDate(s.expiresAt)}` : 'never expires'];
  if (s.softDeletedAt) parts.push('in the Trash');
  if (s.tags.length) parts.push(`tags: ${s.tags.join(', ')}`);
  return parts.join(' · ');
}

export class BulkDialog extends OperationDialog {
  constructor(dialog) {
    super(dialog);
    this.kind = null;
    this.target = null;
    this.previewed = 0;
    this.asked = 0; // drops preview answers overtaken by a newer question
    this.form.querySelector('[data-action="apply"]').addEventListener('click', (e) => this.apply(e.currentTarget));
    let timer;
    this.form.addEventListener('input', (e) => {
      if (e.target.name === 'confirm') return;
      // Until the new preview answers, Apply would apply what nobody has seen.
      this.form.querySelector('[data-action="apply"]').disabled = true;
      this.asked += 1;
      clearTimeout(timer);
      timer = setTimeout(() => this.preview(), 250);
    });
  }

  // Opens for `kind` on `target` ({ ids } or { filter }), `count` selected.
  open(kind, target, count) {
    this.kind = kind;
    this.target = target;
    this.form.reset();
    this.resetView();
    this.form.querySelector('[data-role="title"]').textContent = `${TITLES[kind]} ${plural(count)}`;
    this.form.querySelector('[data-part="renew"]').hidden = kind !== 'renew';
    this.form.querySelector('[data-part="tag"]').hidden = !['addTag', 'removeTag'].includes(kind);
    this.form.querySelector('[data-part="confirm"]').hidden = kind !== 'deleteForever';
    this.form.querySelector('[data-action="apply"]').textContent = TITLES[kind].split(' ')[0] === 'Delete' ? 'Delete for good' : 'Apply';
    this.dialog.showModal();
    const first = this.form.querySelector('[data-part]:not([hidden]) input:not([type=radio])');
    if (first) first.focus();
    this.preview();
  }

  // The action as the backend takes it, or null (with the error shown) if incomplete.
  action() {
    const f = (n) => field(this.form, n).value;
    switch (this.kind) {
      case 'renew': {
        const how = this.form.querySelector('input[name="renewHow"]:checked').value;
        if (how === 'never') return { kind: 'renew', to: 'never' };
        if (how === 'at') {
          const t = new Date(f('at'));
          if (!f('at') || Number.isNaN(t.getTime())) return null;
          return { kind: 'renew', to: { at: t.toISOString() } };
        }
        const n = Number(f(how));
        if (!Number.isInteger(n) || n < 1) return null;
        return { kind: 'renew', to: { [how]: n } };
      }
      case 'addTag':
      case 'removeTag':
        return f('tag').trim() ? { kind: this.kind, tag: f('tag').trim() } : null;
      case 'deleteForever':
        return { kind: 'deleteForever', confirm: Number(f('confirm')) || 0 };
      default:
        return { kind: this.kind };
    }
  }

  async preview() {
    clearErrors(this.form);
    const asked = ++this.asked;
    const summary = this.form.querySelector('[data-role="summary"]');
    const changes = this.form.querySelector('[data-role="changes"]');
    const button = this.form.querySelector('[data-action="apply"]');
    const action = this.action();
    button.disabled = true;
    if (!action) {
      summary.textContent = this.kind === 'renew' ? 'Choose the new expiry.' : 'Type the tag.';
      changes.replaceChildren();
      return;
    }
    try {
      const p = await api.bulkPreview(this.target, action);
      if (asked !== this.asked) return;
      this.previewed = p.count;
      summary.textContent = p.count === 0
        ? 'Nothing to change: no selected record would change.'
        : `${plural(p.count)} will change${p.sample.length < p.count ? `; the first ${p.sample.length}:` : ':'}`;
      changes.replaceChildren(...p.sample.map((c) => el('tr', {},
        el('td', { class: 'token' }, c.token),
        el('td', {}, stateText(c.before)),
        el('td', {}, '→'),
        el('td', {}, stateText(c.after)))));
      button.disabled = p.count === 0;
    } catch (e) {
      if (asked !== this.asked) return;
      changes.replaceChildren();
      summary.textContent = '';
      showError(this.form, e);
    }
  }

  async apply(button) {
    const action = this.action();
    if (!action) return;
    if (this.kind === 'deleteForever' && action.confirm !== this.previewed) {
      showError(this.form, { code: Code.INVALID_INPUT, field: 'confirm', message: `type ${this.previewed} to delete that many records for good` });
      return;
    }
    try {
      const { changed, undoAt } = await busy(button, () => this.runOperation(
        'Working… Cancel stops it and changes nothing.',
        (onProgress) => api.bulkApply(this.target, action, onProgress),
      ));
      this.dialog.close();
      this.dispatchEvent(new CustomEvent('applied', { detail: { message: `${DONE[this.kind]} ${plural(changed)}.`, undoAt } }));
    } catch (e) {
      showError(this.form, e);
    }
  }
}
