// The password generator's options in the New record dialog: read from and written to
// the form, remembered through the backend (settings.json) whenever they change.
import { api } from './api.js';
import { field } from './dialog-form.js';
import { DEFAULT_GENERATOR, generate } from './password-tools.js';

const FLAGS = ['uppercase', 'lowercase', 'digits', 'symbols', 'capitalize'];
const cap = (s) => s[0].toUpperCase() + s.slice(1);

export class GeneratorPanel extends EventTarget {
  constructor(form) {
    super();
    this.form = form;
    this.options = { ...DEFAULT_GENERATOR };
    const panel = form.querySelector('[data-role="generator"]');
    panel.addEventListener('change', () => this.changed());
    this.error = form.querySelector('[data-for="generator"]');
  }

  // The options remembered from the last run (from the settings), shown in the form.
  show(options) {
    this.options = { ...DEFAULT_GENERATOR, ...(options || {}) };
    const f = (n) => field(this.form, n);
    f('genKind').value = this.options.kind;
    f('genLength').value = this.options.length;
    f('genWords').value = this.options.words;
    f('genSeparator').value = this.options.separator;
    for (const flag of FLAGS) f(`gen${cap(flag)}`).checked = this.options[flag];
    this.showKind();
  }

  showKind() {
    for (const el of this.form.querySelectorAll('[data-gen]')) {
      el.hidden = el.dataset.gen !== this.options.kind;
    }
  }

  read() {
    const f = (n) => field(this.form, n);
    const options = {
      kind: f('genKind').value,
      length: Number(f('genLength').value),
      words: Number(f('genWords').value),
      separator: f('genSeparator').value,
    };
    for (const flag of FLAGS) options[flag] = f(`gen${cap(flag)}`).checked;
    return options;
  }

  // The form's options if the generator can draw with them, else null and the reason
  // shown (the last good options stay in use and remembered).
  valid(options) {
    const classes = ['uppercase', 'lowercase', 'digits', 'symbols'].some((c) => options[c]);
    let problem = '';
    if (!Number.isInteger(options.length) || options.length < 16 || options.length > 128) {
      problem = 'The length must be a whole number from 16 to 128.';
    } else if (!Number.isInteger(options.words) || options.words < 5 || options.words > 20) {
      problem = 'The number of words must be from 5 to 20.';
    } else if (!classes) {
      problem = 'Pick at least one kind of character.';
    }
    this.error.textContent = problem;
    return problem ? null : options;
  }

  async changed() {
    const options = this.valid(this.read());
    if (!options) return;
    this.options = options;
    this.showKind();
    this.dispatchEvent(new Event('changed'));
    try {
      await api.setGenerator(options);
    } catch (e) {
      this.error.textContent = `The options are used but could not be remembered: ${e.message || e}`;
    }
  }

  // Draws with the options as the form shows them, when valid (Enter in Length draws
  // before the field is left and its change is taken).
  draw() {
    const shown = this.valid(this.read());
    if (shown) this.options = shown;
    return generate(this.options);
  }
}
