// Error codes, mirrored from the backend (vaultstore::ErrorCode plus the app's own).
// The UI branches on these codes, never on message text.
export const Code = Object.freeze({
  NOT_FOUND: 'not_found',
  ALREADY_EXISTS: 'already_exists',
  INVALID_PASSWORD: 'invalid_password',
  EXPIRED: 'expired',
  DELETED: 'deleted',
  INVALID_INPUT: 'invalid_input',
  POLICY: 'policy',
  DATABASE: 'database',
  CRYPTO: 'crypto',
  CANCELLED: 'cancelled',
  PASSWORD_REQUIRED: 'password_required',
  CHANNEL_CLOSED: 'channel_closed',
  BUSY: 'busy',
  CLIPBOARD: 'clipboard',
  IO: 'io',
  INTERNAL: 'internal',
  CHANGED: 'changed',
});

const friendly = {
  [Code.NOT_FOUND]: 'That record no longer exists. The list has been refreshed.',
  [Code.INVALID_PASSWORD]: 'Wrong password: it does not open this value.',
  [Code.EXPIRED]: 'This token has expired. Renew it to read or change it.',
  [Code.DELETED]: 'This record is in the Trash. Restore it first.',
  [Code.CRYPTO]: 'The stored value is damaged or in an unknown format; restore it from a backup.',
  [Code.CANCELLED]: 'Cancelled. Nothing was changed.',
  [Code.PASSWORD_REQUIRED]: 'Enter the password of this record.',
  [Code.CHANGED]: 'Changed by someone else since you opened it: reload it, or keep yours and save again.',
};

// Words a person understands: a fixed sentence where one fits, else the backend's
// message (which already says what was wrong and what to do), capitalised.
export function describe(error) {
  const text = friendly[error.code];
  if (text) return text;
  const message = String(error.message || 'Something went wrong.');
  return message.charAt(0).toUpperCase() + message.slice(1);
}
