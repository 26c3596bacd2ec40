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

// Keys typed into a text field or a dialog keep their usual meaning; a row's box does
// not count as typing, and nothing acts on a list hidden while locked.
function typing(e) {
  return e.target.closest('input:not([type=checkbox]):not([type=radio]), textarea, select, [contenteditable]')
    || document.querySelector('dialog[open]') || document.body.classList.contains('curtained');
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

  let shownAt = null; // the change the Undo bar names
  const showUndo = async () => {
    try {
      const last = await api.undoAvailable();
      shownAt = last?.at ?? null;
      undoBar.hidden = !last;
      if (last) {
        undoBar.querySelector('[data-role="what"]').textContent =
          `Last change: ${UNDONE[last.action] ?? last.action} of ${plural(last.count)}.`;
      }
    } catch (e) {
      undoBar.hidden = true;
    }
  };

  // Undoes the change made at `at` (a toast's), else the one the Undo bar names; the
  // backend refuses if a newer change is the last one now.
  const undo = async (at) => {
    const which = at ?? shownAt;
    if (!which) {
      toast('Nothing to undo.');
      return;
    }
    try {
      const done = await runInToast(() => 'Undoing the last change…', 0, (onProgress) => api.undoLast(which, onProgress));
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
  undoBar.querySelector('[data-action="undo"]').addEventListener('click', () => undo());
  // Other Undo toasts (a record's trash or deletion, the Trash retention) name their change.
  document.addEventListener('undo-last', (e) => undo(e.detail));
  dialog.addEventListener('applied', async (e) => {
    const { message, undoAt } = e.detail;
    toast(message, { action: 'Undo', onAction: () => undo(undoAt) });
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
