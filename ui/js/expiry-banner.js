// The banner "3 expired · 5 expire within 7 days" over the vault (not the Trash): counted
// on open, every hour and after changes. Each part, clicked, emits `apply-filter`
// (detail: the table filters that list those records).
import { api } from './api.js';

const HOUR_MS = 3600000;

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

export class ExpiryBanner extends EventTarget {
  // `soonDays()`: the "expires soon" window of the settings, read at each count.
  constructor(node, soonDays) {
    super();
    this.node = node;
    this.soonDays = soonDays;
    this.expired = node.querySelector('[data-filter="expired"]');
    this.expiring = node.querySelector('[data-filter="expiring"]');
    this.separator = node.querySelector('[data-role="separator"]');
    this.counting = 0; // drops the answer of a count that a newer one replaced
    this.expired.addEventListener('click', () => this.apply({ expiry: 'expired' }));
    this.expiring.addEventListener('click', () => this.apply({ expiry: 'expiring', expiringDays: this.soonDays() }));
  }

  apply(filters) {
    this.dispatchEvent(new CustomEvent('apply-filter', { detail: filters }));
  }

  start() {
    setInterval(() => this.update(), HOUR_MS);
    return this.update();
  }

  async update() {
    const counting = ++this.counting;
    const days = this.soonDays();
    let expired;
    let expiring;
    try {
      [expired, expiring] = await Promise.all([
        api.countRecords({ view: 'vault', expiry: 'expired' }),
        api.countRecords({ view: 'vault', expiry: 'expiring', expiringDays: days }),
      ]);
    } catch {
      return; // the list shows the same error where it matters
    }
    if (counting !== this.counting) return;
    this.expired.textContent = `${expired} expired`;
    this.expiring.textContent = `${plural(expiring, 'expires', 'expire')} within ${plural(days, 'day', 'days')}`;
    this.expired.hidden = expired === 0;
    this.expiring.hidden = expiring === 0;
    this.separator.hidden = expired === 0 || expiring === 0;
    this.node.hidden = expired === 0 && expiring === 0;
  }
}
