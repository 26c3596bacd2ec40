// The only module that talks to the Tauri backend. Every command goes through `call`,
// which turns the backend's {code, message, field} errors into a typed UserError. The
// command names here are checked against src-tauri/src/command_names.rs by a test.
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

export const api = {
  vaultInfo: () => call('vault_info'),
  listRecords: (args) => call('list_records', { args }),
  countRecords: (args) => call('count_records', { args }),
  createRecord: (args) => call('create_record', { args }),
  // `password` may be null: the backend then uses the one remembered this session.
  revealValue: (token, password) => call('reveal_value', { token, password }),
  copyValue: (token, password) => call('copy_value', { token, password }),
  // Changes that can lock the owner out take the password typed now (never null).
  updateValue: (token, value, password) => call('update_value', { token, value, password }),
  updateMetadata: (id, metadata) => call('update_metadata', { id, metadata }),
  rekeyRecord: (token, oldPassword, newPassword) =>
    call('rekey_record', { token, old: oldPassword, new: newPassword }),
  renewRecord: (token, expiresAt) => call('renew_record', { token, expiresAt }),
  softDeleteRecord: (token) => call('soft_delete_record', { token }),
  restoreRecord: (token) => call('restore_record', { token }),
  // `confirm`: the token as the user typed it (the backend refuses anything else).
  deleteRecord: (token, confirm) => call('delete_record', { token, confirm }),
  // Deleting for good (`soft` false) takes `confirm`: the count, as the user typed it.
  purgeExpired: (soft, confirm, onProgress) => call('purge_expired', { soft, confirm, onProgress: channel(onProgress) }),
  changePassword(oldPassword, newPassword, onProgress) {
    return call('change_password', { old: oldPassword, new: newPassword, onProgress: channel(onProgress) });
  },
  exportBundle(scope, onProgress) {
    return call('export_bundle', { scope, onProgress: channel(onProgress) });
  },
  exportPlaintext(scope, format, passwords, onProgress) {
    return call('export_plaintext', { scope, format, passwords, confirmed: true, onProgress: channel(onProgress) });
  },
  chooseImport: () => call('choose_import'),
  previewImport: (choice) => call('preview_import', { choice }),
  runImport(choice, onProgress) {
    return call('run_import', { choice, onProgress: channel(onProgress) });
  },
  cancelOperation: () => call('cancel_operation'),
  lockVault: () => call('lock_vault'),
  // User activity that calls no other command, so the idle lock waits.
  touch: () => call('touch'),
  getSettings: () => call('get_settings'),
  setSettings: (settings) => call('set_settings', { settings }),
  // The backend locked by itself; the handler gets why: 'idle', 'sleep' or 'screen-locked'.
  onLocked: (handler) => tauri.event.listen('vault-locked', (event) => handler(event.payload)),
};
