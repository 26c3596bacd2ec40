// The selection's toolbar (count, bulk actions), the Undo bar of the last bulk change,
// and their keys: Ctrl+A selects every record the filter matches, Esc clears the
// selection, Ctrl+Z undoes the last bulk change. The keys act only outside text fields
// and dialogs, where they keep their usual meaning. One record's trash, restore or
// deletion is journaled like a bulk change, so Undo reverts whichever came last.
import { api } from './api.js';
import { describe } from './errors.js';
import { BulkDialog } from './bulk-dialog.js';
import { toast } from './toast.js';

const $ = (id) => document.getElementById(id);
const plural = (n) => `${n} record${n === 1 ? '' : 's'}`;

const UNDONE = {
  renew: 'renewal', soft_delete: 'move to the Trash', restore: 'restore', delete_forever: 'deletion',
  add_tag: 'new tag', remove_tag: 'tag removal',
};

function typing(e) {
  return e.target.closest('input, textarea, select, [contenteditable]') || document.querySelector('dialog[open]');
}

// `runInToast(doing, count, run)`: a long operation with progress and Cancel in a toast.
export function wireBulkActions({ table, refresh, runInToast }) {
  const bar = $('bulk-bar');
  const undoBar = $('undo-bar');
  const dialog = new BulkDialog($('bulk-dialog'));
  const selection = table.selection;

  const showBar = () => {
    const n = selection.count;
    bar.hidden = n === 0;
    bar.querySelector('[data-role="count"]').textContent = selection.all
      ? `All ${plural(n)} matching the filter selected`
      : `${n} selected`;
    for (const b of bar.querySelectorAll('[data-view-only]')) b.hidden = b.dataset.viewOnly !== table.filters.view;
  };
  selection.addEventListener('change', showBar);

  const showUndo = async () => {
    try {
      const last = await api.undoAvailable();
      undoBar.hidden = !last;
      if (last) {
        undoBar.querySelector('[data-role="what"]').textContent =
          `Last change: ${UNDONE[last.action] ?? last.action} of ${plural(last.count)}.`;
      }
    } catch (e) {
      undoBar.hidden = true;
    }
  };

  const undo = async () => {
    if (undoBar.hidden) return;
    try {
      const done = await runInToast(() => 'Undoing the last change…', 0, (onProgress) => api.undoLast(onProgress));
      if (!done) {
        toast('Nothing to undo.');
      } else {
        const left = done.skipped.length
          ? ` ${done.skipped.length} changed since and were left as they are: ${done.skipped.join(', ')}.`
          : '';
        toast(`Undone: ${plural(done.restored)} back as ${done.restored === 1 ? 'it was' : 'they were'}.${left}`, { seconds: left ? 12 : 6 });
      }
    } catch (e) {
      toast(describe(e), { error: true });
    }
    await refresh(); // also redraws the Undo bar
  };

  for (const button of bar.querySelectorAll('[data-bulk]')) {
    button.addEventListener('click', () => {
      dialog.open(button.dataset.bulk, selection.target(table.args()), selection.count);
    });
  }
  bar.querySelector('[data-action="clear-selection"]').addEventListener('click', () => selection.clear());
  undoBar.querySelector('[data-action="undo"]').addEventListener('click', undo);
  // The record dialog's Undo toasts ask for the same Undo.
  document.addEventListener('undo-last', undo);
  dialog.addEventListener('applied', async (e) => {
    toast(e.detail, { action: 'Undo', onAction: undo });
    selection.clear();
    await refresh();
  });

  document.addEventListener('keydown', (e) => {
    if (typing(e) || e.altKey) return;
    const key = e.key.toLowerCase();
    if ((e.ctrlKey || e.metaKey) && key === 'a') {
      e.preventDefault();
      table.selectAll();
    } else if ((e.ctrlKey || e.metaKey) && key === 'z' && !e.shiftKey) {
      e.preventDefault();
      undo();
    } else if (key === 'escape' && selection.count > 0) {
      selection.clear();
    }
  });

  showUndo();
  return { showUndo, lock: () => dialog.lock() };
}
