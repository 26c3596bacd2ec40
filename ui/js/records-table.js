// The records table: sortable columns, keyset-paged infinite scroll and the total count.
// Emits `open-record` (detail: record) when a row is activated, and `view-changed`
// (detail: the view, filters and sort, as settings remember them) when those change.
// Expiry badges follow the clock: `refreshBadges()` redraws them without a reload.
import { api } from './api.js';
import { describe } from './errors.js';
import { el, expiryBadge, formatDate } from './format.js';
import { Selection } from './selection.js';

const PAGE = 100;

// The backend's status was true when the page loaded; an active record whose expiry has
// passed since is expired now.
function statusAt(r, now) {
  if (r.status === 'active' && r.expiresAt && new Date(r.expiresAt).getTime() <= now) return 'expired';
  return r.status;
}

export class RecordsTable extends EventTarget {
  constructor(table, { empty, sentinel, total, error }) {
    super();
    this.table = table;
    this.body = table.tBodies[0];
    this.emptyNode = empty;
    this.totalNode = total;
    this.errorNode = error;
    this.filters = { view: 'vault', expiry: 'all', search: '', expiringDays: 7 };
    this.sort = 'created_at';
    this.order = 'desc';
    this.soonDays = 7; // the "expires soon" badge window (a setting)
    this.next = null;
    this.loading = false;
    this.generation = 0; // drops pages of a query that was replaced meanwhile
    this.selection = new Selection();
    this.selection.addEventListener('change', () => this.showSelection());

    for (const th of table.tHead.querySelectorAll('th[data-sort]')) {
      th.querySelector('button').addEventListener('click', () => this.sortBy(th.dataset.sort));
    }
    this.body.addEventListener('click', (e) => {
      const box = e.target.closest('input.pick');
      const tag = e.target.closest('[data-tag]');
      if (box) this.selection.toggle(box.closest('tr').dataset.id, e.shiftKey, this.loadedIds());
      else if (tag) this.dispatchEvent(new CustomEvent('filter-tag', { detail: tag.dataset.tag }));
      else this.activate(e.target.closest('tr'));
    });
    // The box's own toggle is overridden at once by showSelection (no preventDefault:
    // that would make the browser restore the old state after this handler).
    table.querySelector('#pick-all').addEventListener('click', () => {
      if (this.selection.count > 0) this.selection.clear();
      else this.selectAll();
    });
    this.body.addEventListener('keydown', (e) => {
      if (e.target.closest('input.pick, [data-tag]')) return; // a box or a chip: its own keys
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.activate(e.target.closest('tr'));
      }
    });
    this.sentinel = sentinel;
    this.scroller = table.closest('main');
    new IntersectionObserver((entries) => {
      if (entries.some((x) => x.isIntersecting)) this.loadMore();
    }, { root: this.scroller, rootMargin: '400px' }).observe(sentinel);
  }

  // The observer reports changes only: if the sentinel never left the view between two
  // pages (a fast scroll, a tall window), look again after the new rows are laid out.
  recheck() {
    requestAnimationFrame(() => {
      const bottom = this.scroller.getBoundingClientRect().bottom + 400;
      if (this.next && this.sentinel.getBoundingClientRect().top <= bottom) this.loadMore();
    });
  }

  args(extra = {}) {
    return {
      view: this.filters.view,
      search: this.filters.search || null,
      expiry: this.filters.expiry,
      expiringDays: Number(this.filters.expiringDays) || 7,
      sort: this.sort,
      order: this.order,
      limit: PAGE,
      ...extra,
    };
  }

  // What settings remember (the search text is not: it may name what one looked for).
  savedView() {
    const { view, expiry, expiringDays } = this.filters;
    return { view, expiry, expiringDays: Number(expiringDays) || 7, sort: this.sort, order: this.order };
  }

  viewChanged() {
    this.dispatchEvent(new CustomEvent('view-changed', { detail: this.savedView() }));
  }

  // Puts back a remembered view without loading (the caller reloads once).
  restore(saved) {
    const { sort, order, ...filters } = saved;
    Object.assign(this.filters, filters);
    this.setSort(sort, order);
  }

  setFilters(patch) {
    // Deletion time means something only in the Trash: it is the Trash's first order,
    // and leaving the Trash leaves it.
    if (patch.view && patch.view !== this.filters.view) {
      if (patch.view === 'trash') this.setSort('deleted_at', 'desc');
      else if (this.sort === 'deleted_at') this.setSort('created_at', 'desc');
    }
    Object.assign(this.filters, patch);
    // "Every record matching" meant the old filter; rows picked by hand stay picked
    // while the new filter lists them.
    this.selection.filterChanged();
    if (Object.keys(patch).some((k) => k !== 'search')) this.viewChanged();
    return this.reload();
  }

  loadedIds() {
    return [...this.body.rows].map((tr) => tr.dataset.id);
  }

  // Ctrl+A: every record the filter matches, loaded or not.
  selectAll() {
    this.selection.selectAll(this.total || 0);
  }

  // The boxes on screen and the header's box follow the selection.
  showSelection() {
    for (const box of this.body.querySelectorAll('input.pick')) {
      box.checked = this.selection.has(box.closest('tr').dataset.id);
    }
    const all = this.table.querySelector('#pick-all');
    const n = this.selection.count;
    all.checked = n > 0 && n >= (this.total || 0);
    all.indeterminate = n > 0 && n < (this.total || 0);
    this.table.dataset.selected = String(n);
  }

  setSort(field, order) {
    this.sort = field;
    this.order = order;
    for (const th of this.table.tHead.querySelectorAll('th[data-sort]')) {
      const state = th.dataset.sort === this.sort ? (this.order === 'asc' ? 'ascending' : 'descending') : 'none';
      th.setAttribute('aria-sort', state);
    }
  }

  sortBy(field) {
    if (this.sort === field) this.setSort(field, this.order === 'asc' ? 'desc' : 'asc');
    else this.setSort(field, field === 'token' ? 'asc' : 'desc');
    this.viewChanged();
    return this.reload();
  }

  // Expiry badges and statuses against the clock now, in place: no reload, so the
  // scroll position, focus and an open dialog stay as they are.
  refreshBadges() {
    const now = Date.now();
    for (const tr of this.body.rows) {
      const r = this.rows.get(tr.dataset.token);
      if (!r) continue;
      const badge = expiryBadge(r, now, this.soonDays);
      const span = tr.querySelector('td.expiry .badge');
      if (span.textContent !== badge.text) {
        span.textContent = badge.text;
        span.className = `badge ${badge.kind}`;
      }
      const cell = tr.querySelector('td.status');
      const status = statusAt(r, now);
      const text = r.opened ? `${status} · open` : status;
      if (cell.textContent !== text) {
        cell.textContent = text;
        cell.className = `status ${status}`;
      }
    }
  }

  async reload() {
    const generation = ++this.generation;
    this.next = null;
    this.rows = new Map();
    this.errorNode.hidden = true;
    // Until the new rows arrive the old ones are not this query's: say so, and
    // activate() finds none of them (a click on a vault row after choosing Trash
    // opens nothing rather than the live record).
    this.table.setAttribute('aria-busy', 'true');
    try {
      const [page, total] = await Promise.all([
        api.listRecords(this.args()),
        api.countRecords(this.args()),
      ]);
      if (generation !== this.generation) return;
      this.body.replaceChildren();
      this.append(page);
      this.total = total;
      this.selection.settle(total, this.loadedIds());
      this.totalNode.textContent = `${total} record${total === 1 ? '' : 's'}`;
      this.dispatchEvent(new Event('loaded'));
      this.table.dataset.view = this.filters.view;
    } catch (e) {
      this.showError(e);
    } finally {
      if (generation === this.generation) this.table.removeAttribute('aria-busy');
    }
  }

  async loadMore() {
    if (!this.next || this.loading) return;
    this.loading = true;
    const generation = this.generation;
    try {
      const page = await api.listRecords(this.args({ after: this.next }));
      if (generation === this.generation) this.append(page);
    } catch (e) {
      this.showError(e);
    } finally {
      this.loading = false;
    }
    this.recheck();
  }

  showError(e) {
    this.errorNode.textContent = describe(e);
    this.errorNode.hidden = false;
  }

  append(page) {
    const now = Date.now();
    const fragment = document.createDocumentFragment();
    for (const r of page.records) {
      this.rows.set(r.token, r);
      fragment.append(this.row(r, now));
    }
    this.body.append(fragment);
    this.next = page.next;
    this.emptyNode.hidden = this.body.rows.length > 0;
  }

  row(r, now) {
    const badge = expiryBadge(r, now, this.soonDays);
    const status = statusAt(r, now);
    const name = r.label || r.token;
    return el('tr', { tabindex: '0', dataset: { token: r.token, id: r.id }, 'aria-label': `Open ${name}` },
      el('td', { class: 'pick' }, el('input', {
        type: 'checkbox', class: 'pick', 'aria-label': `Select ${name}`, checked: this.selection.has(r.id),
      })),
      el('td', { class: 'token' }, r.token),
      el('td', { class: 'label' }, r.label || ''),
      el('td', {}, r.tags.map((t) => el('button', {
        type: 'button', class: 'tag', dataset: { tag: t }, title: `Show only records tagged ${t}`,
      }, t))),
      el('td', {}, formatDate(r.createdAt)),
      el('td', { class: 'vault-only' }, formatDate(r.updatedAt)),
      el('td', { class: 'expiry' }, el('span', { class: `badge ${badge.kind}` }, badge.text)),
      el('td', { class: 'deleted-at trash-only' }, formatDate(r.softDeletedAt)),
      el('td', { class: `status ${status}` }, r.opened ? `${status} · open` : status),
    );
  }

  activate(tr) {
    if (!tr) return;
    const record = this.rows.get(tr.dataset.token);
    if (record) this.dispatchEvent(new CustomEvent('open-record', { detail: record }));
  }
}
