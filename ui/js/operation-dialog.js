// A dialog that runs a long operation inside itself: progress and Cancel stay in sight
// until the operation ends, Esc does not hide it, and Cancel stops the operation (which
// then changes nothing) rather than closing the dialog.
import { api } from './api.js';
import { describe } from './errors.js';
import { clearErrors, enterRunsAction, keepOpenWhile, startProgress } from './dialog-form.js';

export class OperationDialog extends EventTarget {
  constructor(dialog) {
    super();
    this.dialog = dialog;
    this.form = dialog.querySelector('form');
    this.running = false;
    enterRunsAction(this.form);
    keepOpenWhile(dialog, () => this.running);
    this.form.querySelector('[data-action="cancel"]').addEventListener('click', () => this.cancel());
  }

  get bar() {
    return this.form.querySelector('[data-role="progress"]');
  }

  setStatus(text) {
    this.form.querySelector('[data-role="status"]').textContent = text;
  }

  showFormError(e) {
    this.form.querySelector('[data-for="form"]').textContent = describe(e);
  }

  // Clears what a previous use left: errors, progress, status.
  resetView() {
    clearErrors(this.form);
    this.bar.hidden = true;
    this.setStatus('');
  }

  // Locking closes the dialog, which forgets what it holds, unless its operation runs:
  // that one runs on, with its Cancel in sight.
  lock() {
    if (!this.running) this.dialog.close();
  }

  async cancel() {
    if (!this.running) {
      this.dialog.close();
      return;
    }
    this.setStatus('Cancelling…');
    try {
      await api.cancelOperation();
    } catch (e) {
      this.showFormError(e);
    }
  }

  // Runs `work(onProgress)` with the progress bar shown and `status` said; the dialog
  // stays open until it ends. Returns its result, or throws its error.
  async runOperation(status, work) {
    clearErrors(this.form);
    const bar = this.bar;
    startProgress(bar);
    this.setStatus(status);
    this.running = true;
    try {
      return await work((p) => showProgress(bar, p));
    } catch (e) {
      bar.hidden = true;
      throw e;
    } finally {
      this.running = false;
      this.setStatus('');
    }
  }
}

export function showProgress(bar, { done, total }) {
  bar.hidden = false;
  bar.max = Math.max(total, 1);
  bar.value = done;
}
