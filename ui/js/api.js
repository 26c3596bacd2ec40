// The only module that talks to the Tauri backend. Every command goes through `call`,
// which turns the backend's {code, message, field} errors into a typed UserError. The
// command names here are checked against src-tauri/src/command_names.rs by a test.
import { SealedChannel } from './sealed-channel.js';

const tauri = window.__TAURI__;

export class UserError extends Error {
  // `field`: what an invalid_input is about (a form field's name), else null.
  constructor(code, message, field = null) {
    super(message);
    this.name = 'UserError';
    this.code = code;
    this.field = field;
  }
}

// A channel the backend reports progress on.
function channel(onMessage) {
  const ch = new tauri.core.Channel();
  ch.onmessage = onMessage;
  return ch;
}

async function call(command, args = {}) {
  try {
    return await tauri.core.invoke(command, args);
  } catch (e) {
    if (e && typeof e === 'object' && typeof e.code === 'string') {
      throw new UserError(e.code, e.message, typeof e.field === 'string' ? e.field : null);
    }
    throw new UserError('internal', String(e));
  }
}

export const channelForSecrets = new SealedChannel((publicKey) => call('open_sealed_channel', { publicKey }));

// Calls with the arguments `build(seal)` makes, `seal` sealing each secret; if a Lock
// dropped the keys meanwhile, agrees on new ones and builds and calls once more.
async function callSealed(command, build) {
  const seal = (text) => (text == null ? null : channelForSecrets.seal(text));
  for (let attempt = 1; ; attempt++) {
    const args = await build(seal);
    try {
      return await call(command, args);
    } catch (e) {
      if (e.code !== 'channel_closed' || attempt > 1) throw e;
      channelForSecrets.forget();
    }
  }
}

async function reveal(token, password) {
  const answer = await callSealed('reveal_value', async (seal) => ({ token, password: await seal(password) }));
  return { ...answer, value: await channelForSecrets.open(answer.value) };
}

export const api = {
  vaultInfo: () => call('vault_info'),
  listRecords: (args) => call('list_records', { args }),
  countRecords: (args) => call('count_records', { args }),
  tagCounts: (args) => call('tag_counts', { args }),
  createRecord: (args) => callSealed('create_record', async (seal) => ({
    args: { ...args, value: await seal(args.value), password: await seal(args.password) },
  })),
  // `password` may be null: the backend then uses the one remembered this session.
  revealValue: reveal,
  copyValue: (token, password) => callSealed('copy_value', async (seal) => ({ token, password: await seal(password) })),
  // Changes that can lock the owner out take the password typed now (never null).
  // `expectedUpdatedAt`: the record's `updatedAt` as the dialog loaded it; a record changed
  // since is refused (`changed`). null saves over whatever is there ("keep mine").
  updateValue: (token, value, password, expectedUpdatedAt) => callSealed('update_value', async (seal) => ({
    token, value: await seal(value), password: await seal(password), expectedUpdatedAt: expectedUpdatedAt ?? null,
  })),
  updateMetadata: (id, metadata, expectedUpdatedAt) =>
    call('update_metadata', { id, metadata, expectedUpdatedAt: expectedUpdatedAt ?? null }),
  // The record as stored now (null once deleted forever).
  recordNow: (token) => call('record_now', { token }),
  rekeyRecord: (token, oldPassword, newPassword) =>
    callSealed('rekey_record', async (seal) => ({ token, old: await seal(oldPassword), new: await seal(newPassword) })),
  renewRecord: (token, expiresAt) => call('renew_record', { token, expiresAt }),
  softDeleteRecord: (token) => call('soft_delete_record', { token }),
  restoreRecord: (token) => call('restore_record', { token }),
  // `confirm`: the token as the user typed it (the backend refuses anything else).
  deleteRecord: (token, confirm) => call('delete_record', { token, confirm }),
  // Deleting for good (`soft` false) takes `confirm`: the count, as the user typed it.
  purgeExpired: (soft, confirm, onProgress) => call('purge_expired', { soft, confirm, onProgress: channel(onProgress) }),
  // Deletes the whole Trash for good; `confirm`: its count, as the user typed it.
  emptyTrash: (confirm, onProgress) => call('empty_trash', { confirm, onProgress: channel(onProgress) }),
  changePassword(oldPassword, newPassword, onProgress) {
    return callSealed('change_password', async (seal) => ({
      old: await seal(oldPassword), new: await seal(newPassword), onProgress: channel(onProgress),
    }));
  },
  exportBundle(scope, onProgress) {
    return call('export_bundle', { scope, onProgress: channel(onProgress) });
  },
  exportPlaintext(scope, format, passwords, onProgress) {
    return callSealed('export_plaintext', async (seal) => ({
      scope, format, passwords: await Promise.all(passwords.map(seal)), confirmed: true, onProgress: channel(onProgress),
    }));
  },
  // `source`: 'bundle', 'keepassxc-csv' or 'bitwarden-json'.
  chooseImport: (source = 'bundle') => call('choose_import', { source }),
  previewForeignImport: (source) => call('preview_foreign_import', { source }),
  runForeignImport(source, password, onProgress) {
    return callSealed('run_foreign_import', async (seal) => ({
      source, password: await seal(password), onProgress: channel(onProgress),
    }));
  },
  // `source`: { url, table, onConflict }.
  previewGoImport: (source, onProgress) => call('preview_go_import', { source, onProgress: channel(onProgress) }),
  runGoImport: (source, onProgress) => call('run_go_import', { source, onProgress: channel(onProgress) }),
  previewImport: (choice) => call('preview_import', { choice }),
  runImport(choice, onProgress) {
    return call('run_import', { choice, onProgress: channel(onProgress) });
  },
  // `target`: { ids: [...] } or { filter: listArgs }; `action`: { kind: 'renew', to: … } |
  // { kind: 'softDelete' } | { kind: 'restore' } | { kind: 'deleteForever', confirm: n } |
  // { kind: 'addTag' | 'removeTag', tag }.
  bulkPreview: (target, action) => call('bulk_preview', { target, action }),
  bulkApply: (target, action, onProgress) => call('bulk_apply', { target, action, onProgress: channel(onProgress) }),
  undoAvailable: () => call('undo_available'),
  // `at`: the change an Undo button names (refused if a newer one is last); null: the last.
  undoLast: (at, onProgress) => call('undo_last', { at: at ?? null, onProgress: channel(onProgress) }),
  trashRetentionPreview: (days) => call('trash_retention_preview', { days }),
  // Versions of a record, newest first (never values).
  recordHistory: (token) => call('record_history', { token }),
  // `password`: the one that opens that version, typed now.
  restoreVersion: (token, version, password) =>
    callSealed('restore_version', async (seal) => ({ token, version, password: await seal(password) })),
  // The audit log, newest first; `token` null for every record.
  activity: (token) => call('activity', { token, limit: 200 }),
  verifyActivity: () => call('verify_activity'),
  // Records put back as they were at `at` (ISO); `dryRun` only says what would change.
  restoreTo: (at, prefix, dryRun) => call('restore_to', { at, prefix: prefix || null, dryRun }),
  runTrashRetention: () => call('run_trash_retention'),
  cancelOperation: () => call('cancel_operation'),
  lockVault: () => {
    channelForSecrets.forget();
    return call('lock_vault');
  },
  // User activity that calls no other command, so the idle lock waits.
  touch: () => call('touch'),
  getSettings: () => call('get_settings'),
  setSettings: (settings) => call('set_settings', { settings }),
  // Remembers the table's view, filters and sort (the other settings stay as they are).
  setView: (view) => call('set_view', { view }),
  // Remembers the password generator's options.
  setGenerator: (generator) => call('set_generator', { generator }),
  // Another client, window or process changed the vault: read what is shown again.
  onVaultChanged: (handler) => tauri.event.listen('vault-changed', () => handler()),
  // The database went away (false) or came back (true).
  onVaultOnline: (handler) => tauri.event.listen('vault-online', (event) => handler(event.payload)),
  // The backend locked by itself; the handler gets why: 'idle', 'sleep' or 'screen-locked'.
  // The lock dropped the keys sealing secrets; ours go too.
  onLocked: (handler) => tauri.event.listen('vault-locked', (event) => {
    channelForSecrets.forget();
    handler(event.payload);
  }),
};
