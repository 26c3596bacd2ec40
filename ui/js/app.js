// Wires the views together: filters drive the table, dialogs report changes, keyboard
// shortcuts, locking and the theme.
import { api } from './api.js';
import { describe } from './errors.js';
import { confirmTyped } from './confirm-dialog.js';
import { CreateDialog } from './create-dialog.js';
import { PasswordDialog } from './password-dialog.js';
import { RecordDialog } from './record-dialog.js';
import { RecordsTable } from './records-table.js';
import { SettingsDialog } from './settings-dialog.js';
import { toast } from './toast.js';
import { ExportDialog, ImportDialog } from './transfer-dialogs.js';
import { ForeignImportDialog, GoImportDialog } from './import-dialogs.js';

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

// A purge runs without a dialog: its progress and Cancel stay in a toast until it ends.
async function purge(count, confirm) {
  let cancelling = false;
  const running = toast(`Purging ${count} expired record${count === 1 ? '' : 's'}…`, {
    seconds: 0,
    action: 'Cancel',
    keep: true,
    onAction: (button) => {
      button.disabled = true;
      cancelling = true;
      running.setMessage('Cancelling the purge…');
      api.cancelOperation().catch((e) => toast(describe(e), { error: true }));
    },
  });
  try {
    return await api.purgeExpired(false, confirm, ({ done, total }) => {
      if (!cancelling && done < total) running.setMessage(`Purging ${total} expired records…`);
    });
  } finally {
    running.remove();
  }
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
    empty: $('empty'), sentinel: $('sentinel'), total: $('total'), error: $('list-error'),
  });
  const settings = new SettingsDialog($('settings-dialog'));
  const create = new CreateDialog($('create-dialog'));
  const record = new RecordDialog($('record-dialog'), () => settings.current);
  const passwords = new PasswordDialog($('password-dialog'));
  const exporter = new ExportDialog($('export-dialog'));
  const importer = new ImportDialog($('import-dialog'));
  const foreignImporter = new ForeignImportDialog($('foreign-import-dialog'));
  const goImporter = new GoImportDialog($('go-import-dialog'));
  const refresh = () => table.reload();

  table.addEventListener('open-record', (e) => record.open(e.detail));
  create.addEventListener('created', (e) => {
    toast(`Created ${e.detail}.`);
    refresh();
  });
  record.addEventListener('changed', refresh);
  passwords.addEventListener('changed', refresh);
  importer.addEventListener('changed', refresh);
  foreignImporter.addEventListener('changed', refresh);
  goImporter.addEventListener('changed', refresh);

  // Filters
  $('search').addEventListener('input', debounce((e) => table.setFilters({ search: e.target.value.trim() }), 200));
  $('expiry').addEventListener('change', (e) => {
    $('expiring-days-label').hidden = e.target.value !== 'expiring';
    table.setFilters({ expiry: e.target.value });
  });
  $('expiring-days').addEventListener('change', (e) => table.setFilters({ expiringDays: e.target.value }));
  for (const [id, view] of [['view-vault', 'vault'], ['view-trash', 'trash']]) {
    $(id).addEventListener('click', () => {
      $('view-vault').setAttribute('aria-selected', String(view === 'vault'));
      $('view-trash').setAttribute('aria-selected', String(view === 'trash'));
      table.setFilters({ view });
    });
  }

  // The list hidden while locked (a setting): rows leave the DOM too, and come back
  // fresh when the person asks for them.
  const curtain = (on) => {
    document.body.classList.toggle('curtained', on);
    $('locked-screen').hidden = !on;
    if (on) {
      table.body.replaceChildren();
      $('btn-show-list').focus();
    }
  };
  $('btn-show-list').addEventListener('click', () => {
    curtain(false);
    refresh();
    $('search').focus();
  });
  settings.addEventListener('changed', (e) => {
    if (!e.detail.hideListWhenLocked && document.body.classList.contains('curtained')) {
      curtain(false);
      refresh();
    }
  });

  // Header actions
  const closeMenu = () => document.querySelector('details.menu').removeAttribute('open');
  // Secrets leave every open form; details typed and not saved stay, and are named.
  const onLocked = (reason) => {
    const kept = [...record.lock(reason), ...create.lock(reason)];
    exporter.lock();
    foreignImporter.lock();
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
  $('btn-settings').addEventListener('click', () => { closeMenu(); settings.open(); });
  $('btn-export').addEventListener('click', () => { closeMenu(); exporter.open(); });
  $('btn-import').addEventListener('click', () => { closeMenu(); importer.start(); });
  $('btn-import-keepassxc').addEventListener('click', () => { closeMenu(); foreignImporter.start('keepassxc-csv'); });
  $('btn-import-bitwarden').addEventListener('click', () => { closeMenu(); foreignImporter.start('bitwarden-json'); });
  $('btn-import-go').addEventListener('click', () => { closeMenu(); goImporter.open(); });
  $('btn-change-password').addEventListener('click', () => { closeMenu(); passwords.open(); });
  $('btn-theme').addEventListener('click', () => {
    closeMenu();
    const dark = document.documentElement.dataset.theme === 'dark'
      || (!document.documentElement.dataset.theme && matchMedia('(prefers-color-scheme: dark)').matches);
    const theme = dark ? 'light' : 'dark';
    localStorage.setItem('theme', theme);
    applyTheme(theme);
  });
  $('btn-purge').addEventListener('click', async () => {
    closeMenu();
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
  } catch (e) {
    toast(describe(e), { error: true });
  }
  // A vault starts locked: nothing is open yet.
  if (settings.current.hideListWhenLocked) curtain(true);
  else await refresh();
  document.body.dataset.ready = 'true';
}

main();
