// Wires the views together: filters drive the table, dialogs report changes, keyboard
// shortcuts, locking and the theme.
import { api } from './api.js';
import { ActivityDialog } from './activity-dialog.js';
import { RestoreToDialog } from './restore-to-dialog.js';
import { Code, describe } from './errors.js';
import { el } from './format.js';
import { confirmTyped } from './confirm-dialog.js';
import { CreateDialog } from './create-dialog.js';
import { ExpiryBanner } from './expiry-banner.js';
import { PasswordDialog } from './password-dialog.js';
import { RecordDialog } from './record-dialog.js';
import { RecordsTable } from './records-table.js';
import { SettingsDialog } from './settings-dialog.js';
import { toast } from './toast.js';
import { ExportDialog, ImportDialog } from './transfer-dialogs.js';
import { ForeignImportDialog, GoImportDialog } from './import-dialogs.js';
import { wireBulkActions } from './bulk-actions.js';
import { MenuButton } from './menu-button.js';
import { Tabs } from './tabs.js';

const $ = (id) => document.getElementById(id);

function applyTheme(theme) {
  if (theme) document.documentElement.dataset.theme = theme;
}

// Keys and pointer in the window are activity: the backend's idle lock is told, at most
// every ACTIVITY_MS (its check runs every few seconds against a limit of minutes).
const ACTIVITY_MS = 10000;
function reportActivity() {
  let last = 0;
  const seen = () => {
    const now = Date.now();
    if (now - last < ACTIVITY_MS) return;
    last = now;
    api.touch().catch(() => {}); // a lost report only means an earlier lock
  };
  for (const type of ['keydown', 'pointerdown', 'pointermove', 'wheel']) {
    document.addEventListener(type, seen, { capture: true, passive: true });
  }
}

const records = (n) => `${n} record${n === 1 ? '' : 's'}`;

// A long operation without a dialog (a purge, emptying the Trash): its progress and
// Cancel stay in a toast until it ends. `run(onProgress)` starts it; `doing(total)` says
// what it does.
async function inToast(doing, count, run) {
  let cancelling = false;
  const running = toast(doing(count), {
    seconds: 0,
    action: 'Cancel',
    keep: true,
    onAction: (button) => {
      button.disabled = true;
      cancelling = true;
      running.setMessage('Cancelling…');
      api.cancelOperation().catch((e) => toast(describe(e), { error: true }));
    },
  });
  try {
    return await run(({ done, total }) => {
      if (!cancelling && done < total) running.setMessage(doing(total));
    });
  } finally {
    running.remove();
  }
}

function purge(count, confirm) {
  return inToast((n) => `Purging ${n} expired record${n === 1 ? '' : 's'}…`, count,
    (onProgress) => api.purgeExpired(false, confirm, onProgress));
}

function emptyTrash(count, confirm) {
  return inToast((n) => `Deleting ${records(n)} in the Trash for good…`, count,
    (onProgress) => api.emptyTrash(confirm, onProgress));
}

// Puts the filter controls in step with the table's filters (a remembered view, a
// banner click).
const tabs = new Tabs(document.querySelector('.filters [role="tablist"]'), $('records-panel'));
function showFilters({ view, expiry, expiringDays }) {
  tabs.show($(view === 'trash' ? 'view-trash' : 'view-vault'));
  $('btn-empty-trash').hidden = view !== 'trash';
  $('btn-restore-to').hidden = view !== 'trash';
  // The banner counts the vault's records: not shown over the Trash.
  $('expiry-banner').dataset.view = view === 'trash' ? 'trash' : 'vault';
  $('expiry').value = expiry;
  $('expiring-days').value = expiringDays;
  $('expiring-days-label').hidden = !['expiring', 'lapsed'].includes(expiry);
}

function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

async function main() {
  applyTheme(localStorage.getItem('theme'));
  const table = new RecordsTable($('records'), {
    empty: $('empty'), total: $('total'), error: $('list-error'),
  });
  const settings = new SettingsDialog($('settings-dialog'));
  const create = new CreateDialog($('create-dialog'));
  const record = new RecordDialog($('record-dialog'), () => settings.current);
  const passwords = new PasswordDialog($('password-dialog'));
  const activity = new ActivityDialog($('activity-dialog'));
  const restoreTo = new RestoreToDialog($('restore-to-dialog'));
  const exporter = new ExportDialog($('export-dialog'));
  const importer = new ImportDialog($('import-dialog'));
  const foreignImporter = new ForeignImportDialog($('foreign-import-dialog'));
  const goImporter = new GoImportDialog($('go-import-dialog'));
  const banner = new ExpiryBanner($('expiry-banner'), () => settings.current.expiringSoonDays || 7);
  let bulk = null; // the selection toolbar and Undo bar, wired below
  // After changes: the same query read again where the view is (scroll and focus stay).
  const refresh = () => {
    banner.update();
    bulk?.showUndo();
    return table.reload({ keep: true });
  };
  // One record changed: its row is redrawn in place (or leaves a view that no longer
  // lists it).
  const changedOne = (token) => {
    banner.update();
    bulk?.showUndo();
    return table.updateRecord(token).catch((e) => toast(describe(e), { error: true }));
  };

  bulk = wireBulkActions({ table, refresh, runInToast: inToast });
  table.addEventListener('open-record', (e) => record.open(e.detail));
  // Delete on a row: to the Trash, with Undo (the app's one Undo, like the dialog's).
  table.addEventListener('trash-record', async (e) => {
    const { token, status } = e.detail;
    if (status === 'deleted') return; // in the Trash already: Delete forever is in its dialog
    try {
      const undoAt = await api.softDeleteRecord(token);
      toast(`Moved ${e.detail.label || token} to the Trash.`, {
        action: 'Undo',
        onAction: () => document.dispatchEvent(new CustomEvent('undo-last', { detail: undoAt })),
      });
      await changedOne(token);
    } catch (err) {
      toast(describe(err), { error: true });
    }
  });
  // Ctrl+C on a row: its value to the clipboard with this session's key; without one the
  // record opens and asks for its password.
  table.addEventListener('copy-record', async (e) => {
    const { token } = e.detail;
    try {
      const answer = await api.copyValue(token, null);
      toast(`Copied ${answer.token}. The clipboard is cleared in ${answer.seconds} s.`);
      changedOne(token);
    } catch (err) {
      if (err.code !== Code.PASSWORD_REQUIRED) {
        toast(describe(err), { error: true });
        return;
      }
      record.open(e.detail);
      toast('Type the password of this record, then copy it.');
    }
  });
  // A tag chip or the tag list filters by a tag, on top of what the search box holds
  // (all must match).
  const filterByTag = (tag) => {
    // The query language's escapes: \" and \\ (a tag may hold either).
    const escaped = tag.replace(/["\\]/g, '\\$&');
    const term = /[\s"\\]/.test(tag) ? `tag:"${escaped}"` : `tag:${tag}`;
    const box = $('search');
    if (!box.value.split(/\s+/).includes(term)) box.value = `${box.value.trim()} ${term}`.trim();
    table.setFilters({ search: box.value.trim() });
  };
  table.addEventListener('filter-tag', (e) => filterByTag(e.detail));
  $('tag-list').addEventListener('change', (e) => {
    const tag = e.target.value;
    e.target.value = '';
    if (tag) filterByTag(tag);
  });
  // The tag list holds the tags of what is listed, with their counts. One count at a
  // time (over a large vault a count takes a while, and typing loads a query per
  // pause): asked again meanwhile, the answer is dropped and the latest query counted
  // next.
  let counting = false;
  let recount = false;
  const countTags = async () => {
    if (counting) return;
    counting = true;
    try {
      while (recount) {
        recount = false;
        try {
          const counts = await api.tagCounts(table.args());
          if (recount) continue;
          $('tag-list').replaceChildren(
            el('option', { value: '' }, counts.length ? 'Tags…' : 'No tags'),
            ...counts.map(({ tag, count }) => el('option', { value: tag }, `${tag} (${count})`)),
          );
        } catch {
          // The list itself shows a query's error; the tag list just stays as it was.
        }
      }
    } finally {
      counting = false;
    }
  };
  table.addEventListener('loaded', () => {
    recount = true;
    countTags();
  });
  create.addEventListener('created', (e) => {
    toast(`Created ${e.detail}.`);
    refresh();
  });
  record.addEventListener('changed', (e) => changedOne(e.detail.token));
  // Back from a dialog, the keys go on from the row it was opened from.
  $('record-dialog').addEventListener('close', () => table.focusedRow()?.focus({ preventScroll: true }));
  passwords.addEventListener('changed', refresh);
  importer.addEventListener('changed', refresh);
  foreignImporter.addEventListener('changed', refresh);
  goImporter.addEventListener('changed', refresh);

  // Filters
  $('search').addEventListener('input', debounce((e) => table.setFilters({ search: e.target.value.trim() }), 200));
  $('expiry').addEventListener('change', (e) => {
    $('expiring-days-label').hidden = !['expiring', 'lapsed'].includes(e.target.value);
    table.setFilters({ expiry: e.target.value });
  });
  $('expiring-days').addEventListener('change', (e) => table.setFilters({ expiringDays: e.target.value }));
  for (const [id, view] of [['view-vault', 'vault'], ['view-trash', 'trash']]) {
    $(id).addEventListener('click', () => {
      showFilters({ ...table.filters, view });
      table.setFilters({ view });
    });
  }
  banner.addEventListener('apply-filter', (e) => {
    const filters = { view: 'vault', ...e.detail };
    showFilters({ ...table.filters, ...filters });
    table.setFilters(filters);
  });
  // Filters, sort and view outlive a restart (settings.json; never the search text).
  table.addEventListener('view-changed', (e) => {
    api.setView(e.detail).catch((err) => toast(describe(err), { error: true }));
  });
  // Trash retention (a setting, off by default): on open, daily and when the setting
  // is saved; what it deleted is told, with Undo.
  const runRetention = async () => {
    try {
      const { days, removed, undoAt } = await api.runTrashRetention();
      if (removed > 0) {
        toast(`Trash retention: ${records(removed)} in the Trash for ${days} days or more deleted for good.`, {
          seconds: 12, action: 'Undo', onAction: () => document.dispatchEvent(new CustomEvent('undo-last', { detail: undoAt })),
        });
        refresh();
      }
    } catch (e) {
      toast(describe(e), { error: true });
    }
  };
  setInterval(runRetention, 24 * 3600 * 1000);
  settings.addEventListener('changed', () => runRetention());
  // Badges follow the clock: a window left open overnight shows what expired meanwhile.
  setInterval(() => table.refreshBadges(), 60000);

  // The list hidden while locked (a setting): rows leave the DOM too, and come back
  // fresh when the person asks for them.
  const curtain = (on) => {
    document.body.classList.toggle('curtained', on);
    $('locked-screen').hidden = !on;
    if (on) {
      table.clear();
      $('btn-show-list').focus();
    }
  };
  $('btn-show-list').addEventListener('click', () => {
    curtain(false);
    refresh();
    $('search').focus();
  });
  settings.addEventListener('changed', (e) => {
    table.soonDays = e.detail.expiringSoonDays;
    table.refreshBadges();
    banner.update();
    if (!e.detail.hideListWhenLocked && document.body.classList.contains('curtained')) {
      curtain(false);
      refresh();
    }
  });

  // Header actions
  // The menu closes itself when an item is chosen (menu-button.js).
  new MenuButton($('btn-more'), $('more-menu'));
  // Secrets leave every open form; details typed and not saved stay, and are named.
  const onLocked = (reason) => {
    const kept = [...record.lock(reason), ...create.lock(reason)];
    exporter.lock();
    bulk.lock();
    foreignImporter.lock();
    goImporter.lock();
    passwords.lock();
    const note = kept.length ? ` Your unsaved ${[...new Set(kept)].join(', ')} ${kept.length === 1 ? 'was' : 'were'} kept.` : '';
    toast(`${reason}${note}`);
    if (settings.current.hideListWhenLocked) curtain(true);
    else refresh();
  };
  const lock = async () => {
    await api.lockVault();
    onLocked('Locked: every opened password was forgotten.');
  };
  $('btn-new').addEventListener('click', () => create.open());
  $('btn-lock').addEventListener('click', lock);
  $('btn-settings').addEventListener('click', () => settings.open());
  $('btn-activity').addEventListener('click', () => activity.open());
  $('btn-restore-to').addEventListener('click', () => restoreTo.open());
  restoreTo.addEventListener('changed', () => refresh());
  // Another client changed the vault: the rows shown are read again in place (at most
  // once per half second), the open record says whether it was the one.
  let changedTimer = null;
  api.onVaultChanged(() => {
    if (changedTimer) return;
    changedTimer = setTimeout(() => {
      changedTimer = null;
      refresh();
      record.checkChanged();
    }, 500);
  });
  // The backend sets the window's title too; the page's own title says the same.
  api.onVaultOnline((online) => {
    document.title = online ? 'VaultStore' : 'VaultStore — the database is unreachable, retrying…';
    if (!online) toast('The database cannot be reached; retrying. What you typed is kept.', { error: true });
    else toast('The database is reachable again.');
  });
  $('btn-export').addEventListener('click', () => exporter.open());
  $('btn-import').addEventListener('click', () => importer.start());
  $('btn-import-keepassxc').addEventListener('click', () => foreignImporter.start('keepassxc-csv'));
  $('btn-import-bitwarden').addEventListener('click', () => foreignImporter.start('bitwarden-json'));
  $('btn-import-go').addEventListener('click', () => goImporter.open());
  $('btn-change-password').addEventListener('click', () => passwords.open());
  $('btn-theme').addEventListener('click', () => {
    const dark = document.documentElement.dataset.theme === 'dark'
      || (!document.documentElement.dataset.theme && matchMedia('(prefers-color-scheme: dark)').matches);
    const theme = dark ? 'light' : 'dark';
    localStorage.setItem('theme', theme);
    applyTheme(theme);
  });
  $('btn-purge').addEventListener('click', async () => {
    try {
      const count = await api.countRecords({ view: 'all', expiry: 'expired' });
      if (count === 0) {
        toast('No expired records to purge.');
        return;
      }
      const typed = await confirmTyped('Purge expired records?',
        `${count} expired record${count === 1 ? '' : 's'} (including any in the Trash) will be deleted for good.`,
        `Delete ${count}`, String(count));
      if (typed === null) return;
      const removed = await purge(count, typed);
      toast(`Deleted ${removed} expired record${removed === 1 ? '' : 's'}.`);
      refresh();
    } catch (e) {
      toast(describe(e), { error: true });
    }
  });
  $('btn-empty-trash').addEventListener('click', async () => {
    try {
      const count = await api.countRecords({ view: 'trash' });
      if (count === 0) {
        toast('The Trash is empty.');
        return;
      }
      const typed = await confirmTyped('Empty the Trash?',
        `${records(count)} in the Trash will be deleted for good. They cannot be restored afterwards.`,
        `Delete ${count}`, String(count));
      if (typed === null) return;
      const removed = await emptyTrash(count, typed);
      toast(`Emptied the Trash: ${records(removed)} deleted for good.`);
    } catch (e) {
      toast(describe(e), { error: true });
    }
    refresh(); // also after a refusal: the Trash changed meanwhile, show it as it is
  });

  // Keyboard: Ctrl+F search, Ctrl+N new, Ctrl+L lock (Esc closes dialogs natively).
  document.addEventListener('keydown', (e) => {
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
    const key = e.key.toLowerCase();
    if (key === 'f') { e.preventDefault(); $('search').focus(); $('search').select(); }
    if (key === 'n') { e.preventDefault(); if (!document.querySelector('dialog[open]')) create.open(); }
    if (key === 'l') { e.preventDefault(); lock(); }
  });

  // Why the backend locked by itself (the reasons lock_signals.rs and the idle task send).
  const lockedBecause = {
    idle: 'Locked after inactivity.',
    sleep: 'Locked: the computer went to sleep.',
    'screen-locked': 'Locked: the screen was locked.',
  };
  api.onLocked((reason) => onLocked(lockedBecause[reason] ?? lockedBecause.idle));
  reportActivity();

  try {
    const info = await api.vaultInfo();
    $('vault-info').textContent = `${info.backend} · ${info.database}`;
    $('vault-info').title = info.kdf;
    await settings.load();
    table.soonDays = settings.current.expiringSoonDays;
    create.generator.show(settings.current.generator);
    if (settings.current.view) {
      table.restore(settings.current.view);
      showFilters(table.filters);
    }
  } catch (e) {
    toast(describe(e), { error: true });
  }
  banner.start();
  // A vault starts locked: nothing is open yet.
  if (settings.current.hideListWhenLocked) curtain(true);
  else await refresh();
  document.body.dataset.ready = 'true';
  runRetention();
}

main();
