// The records table: sortable columns, a virtualised body and the total count.
//
// Only the rows in view, and a margin around them, are in the DOM whatever the vault's
// size; the table's top and bottom margins stand for the rest, so the scrollbar reflects
// the total. Rows arrive in blocks of PAGE, each read the cheapest way the backend has:
// by keyset after or before a block already loaded, else by offset from the nearer end
// (the last block is the reversed order's first page). Blocks far from the view are
// dropped again. A changed record is redrawn in place (`updateRecord`); the scroll
// position and the focused row stay.
//
// Keyboard, one tab stop for the whole table (a roving tabindex on the rows): arrows,
// PageUp/PageDown, Home/End move the row focus; Enter opens; Space selects (Shift: a
// range); Delete and Ctrl+C ask for the record to be trashed or copied.
//
// Emits `open-record`, `trash-record` and `copy-record` (detail: the record),
// `filter-tag` (detail: the tag), `loaded` (a new query's first rows and total) and
// `view-changed` (detail: the view, filters and sort, as settings remember them).
// Expiry badges follow the clock: `refreshBadges()` redraws them without a reload.
import { api } from './api.js';
import { describe } from './errors.js';
import { el, expiryBadge, formatDate } from './format.js';
import { Selection } from './selection.js';

const PAGE = 100; // rows per block fetched
const MARGIN = 10; // rows drawn beyond each edge of the view
const KEEP = 6; // blocks kept on each side of the view's
// Layout engines cap an element's height (WebKit near 33 million px): beyond this the
// rows' height is capped and the scroll position maps to a row proportionally.
const MAX_HEIGHT = 15_000_000;
const TABLE_MARGIN = 8; // the table's own top margin (styles.css)

// The backend's status was true when the page loaded; an active record whose expiry has
// passed since is expired now.
function statusAt(r, now) {
  if (r.status === 'active' && r.expiresAt && new Date(r.expiresAt).getTime() <= now) return 'expired';
  return r.status;
}

// Sets an element's text, reusing its text node (no new node per redraw).
function setText(node, text) {
  const only = node.firstChild;
  if (only && only === node.lastChild && only.nodeType === Node.TEXT_NODE) {
    if (only.data !== text) only.data = text;
  } else {
    node.textContent = text;
  }
}

export class RecordsTable extends EventTarget {
  constructor(table, { empty, total, error }) {
    super();
    this.table = table;
    this.body = table.tBodies[0];
    this.emptyNode = empty;
    this.totalNode = total;
    this.errorNode = error;
    this.scroller = table.closest('main');
    this.filters = { view: 'vault', expiry: 'all', search: '', expiringDays: 7 };
    this.sort = 'created_at';
    this.order = 'desc';
    this.soonDays = 7; // the "expires soon" badge window (a setting)
    this.total = 0;
    this.records = new Map(); // row index → record, for the blocks loaded
    this.blocks = new Map(); // block number → { prev, next }: cursors around its rows
    this.shown = new Map(); // row index → { tr, record } in the DOM
    this.spare = []; // rows scrolled out of the DOM, drawn again for the rows scrolled in
    this.focusIndex = 0; // the row holding the table's one tab stop
    this.rowHeight = 37; // measured from the first row drawn
    this.pad = { top: 0, bottom: 0 };
    this.fetching = false;
    this.generation = 0; // drops answers to a query that was replaced meanwhile
    this.selection = new Selection();
    this.selection.addEventListener('change', () => this.showSelection());

    for (const th of table.tHead.querySelectorAll('th[data-sort]')) {
      th.querySelector('button').addEventListener('click', () => this.sortBy(th.dataset.sort));
    }
    this.body.addEventListener('click', (e) => this.onClick(e));
    // The box's own toggle is overridden at once by showSelection (no preventDefault:
    // that would make the browser restore the old state after this handler).
    table.querySelector('#pick-all').addEventListener('click', () => {
      if (this.selection.count > 0) this.selection.clear();
      else this.selectAll();
    });
    // The table itself takes the focus when the focused row scrolls out of the DOM, so
    // the keys keep working from that row (it is not a tab stop: a row is).
    table.tabIndex = -1;
    table.addEventListener('keydown', (e) => this.onKey(e));
    this.scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
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

  // The ids of the rows loaded, in the table's order (Shift ranges, pruning picks).
  loadedIds() {
    return [...this.records.keys()].sort((a, b) => a - b).map((i) => this.records.get(i).id);
  }

  // Ctrl+A: every record the filter matches, loaded or not.
  selectAll() {
    this.selection.selectAll(this.total || 0);
  }

  // The boxes on screen and the header's box follow the selection.
  showSelection() {
    for (const { tr, record } of this.shown.values()) {
      const box = tr.querySelector('input.pick');
      if (box && record) box.checked = this.selection.has(record.id);
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
    const text = ['token', 'label', 'tags'].includes(field);
    if (this.sort === field) this.setSort(field, this.order === 'asc' ? 'desc' : 'asc');
    else this.setSort(field, text ? 'asc' : 'desc');
    this.viewChanged();
    return this.reload();
  }

  // Expiry badges and statuses against the clock now, in place: no reload, so the
  // scroll position, focus and an open dialog stay as they are.
  refreshBadges() {
    const now = Date.now();
    for (const { tr, record: r } of this.shown.values()) {
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

  // A new query (`keep` false: a filter or sort changed; back to the first row), or the
  // same one read again after changes (`keep`: the scroll position and focus stay).
  async reload({ keep = false } = {}) {
    const generation = ++this.generation;
    this.errorNode.hidden = true;
    // Until the new rows arrive the old ones are not this query's: say so, and
    // activate() finds none of them (a click on a vault row after choosing Trash
    // opens nothing rather than the live record).
    this.table.setAttribute('aria-busy', 'true');
    this.records = new Map();
    this.blocks = new Map();
    const block = keep ? Math.floor(this.topIndex() / PAGE) : 0;
    const counting = api.countRecords(this.args());
    try {
      // The first rows are drawn as soon as they come: a count over a large vault may
      // take longer than the page, and a page without `next` is the whole answer.
      const args = this.request(block, keep ? this.total : 0);
      const page = await api.listRecords(this.args(args));
      if (generation !== this.generation) return;
      if (!keep) {
        this.scroller.scrollTop = 0;
        this.focusIndex = 0;
      }
      const from = this.firstIndex(block, args, page);
      // Until the count comes: the rows read (with `keep`, the count before), so
      // nothing past them is fetched by a guess.
      const seen = from + page.records.length;
      this.total = keep && page.next ? Math.max(this.total, seen) : seen;
      this.store(block, from, page);
      this.table.dataset.view = this.filters.view;
      this.table.removeAttribute('aria-busy');
      this.render();
      const total = await counting;
      if (generation !== this.generation) return;
      this.total = total;
      this.selection.settle(total, this.loadedIds());
      this.totalNode.textContent = `${total} record${total === 1 ? '' : 's'}`;
      this.render();
      this.dispatchEvent(new Event('loaded'));
    } catch (e) {
      if (generation === this.generation) {
        // No rows for a query that failed (the error says why under the list).
        this.table.removeAttribute('aria-busy');
        this.total = 0;
        this.render();
        this.showError(e);
        this.emptyNode.hidden = true;
      }
    }
  }

  // Rows leave the DOM and memory (the list hidden while locked).
  clear() {
    this.generation += 1;
    // No rows to draw until a reload: a frame drawn meanwhile (a resize, the focus
    // leaving a row) would fill the view with placeholders and fetch their records.
    this.total = 0;
    this.records = new Map();
    this.blocks = new Map();
    this.shown.clear();
    this.spare = [];
    this.body.replaceChildren();
  }

  // The arguments that fetch block `b` of `total` rows: by keyset next to a loaded
  // neighbour, else by offset from the nearer end.
  request(b, total = this.total) {
    const from = b * PAGE;
    const to = Math.max(from + 1, Math.min(total, from + PAGE));
    const after = this.blocks.get(b - 1)?.next;
    if (after && this.records.has(from - 1)) return { after };
    const before = this.blocks.get(b + 1)?.prev;
    if (before && this.records.has(to)) return { before, limit: to - from };
    if (from === 0 || from <= total - to) return { offset: from };
    return { fromEnd: true, offset: total - to, limit: to - from };
  }

  // The index of a fetched page's first row: a page read backwards ends where the
  // block does.
  firstIndex(b, args, page) {
    if (!args.fromEnd && !args.before) return b * PAGE;
    return Math.max(0, Math.min(this.total, b * PAGE + PAGE) - page.records.length);
  }

  store(b, from, page) {
    page.records.forEach((r, k) => this.records.set(from + k, r));
    this.blocks.set(b, { prev: page.prev, next: page.next });
  }

  // Fetches the missing block nearest the view, one at a time: a fast drag asks only for
  // where it ends up, not for every block it passed.
  async pump() {
    if (this.fetching) return;
    const b = this.missingBlock();
    if (b === null) return;
    this.fetching = true;
    const generation = this.generation;
    try {
      const args = this.request(b);
      const page = await api.listRecords(this.args(args));
      if (generation !== this.generation) return;
      this.store(b, this.firstIndex(b, args, page), page);
      this.evict();
    } catch (e) {
      if (generation === this.generation) this.showError(e);
      return;
    } finally {
      this.fetching = false;
    }
    this.render();
  }

  missingBlock() {
    const { first, last, top } = this.range();
    const missing = [];
    for (let i = first; i < last; i++) if (!this.records.has(i)) missing.push(i);
    if (missing.length === 0) return null;
    const nearest = missing.reduce((a, i) => (Math.abs(i - top) < Math.abs(a - top) ? i : a));
    return Math.floor(nearest / PAGE);
  }

  // Drops the blocks far from the view, so memory stays flat however far one scrolls.
  evict() {
    const here = Math.floor(this.topIndex() / PAGE);
    for (const i of this.records.keys()) {
      if (Math.abs(Math.floor(i / PAGE) - here) > KEEP) this.records.delete(i);
    }
    for (const b of this.blocks.keys()) if (Math.abs(b - here) > KEEP) this.blocks.delete(b);
  }

  showError(e) {
    this.errorNode.textContent = describe(e);
    this.errorNode.hidden = false;
  }

  // ---- geometry: scroll position ↔ row index ----

  // The rows' space: where row 0 would start in the scroller (without the top pad), the
  // height of the rows' view under the sticky header, and the rows' whole height.
  space() {
    const head = this.table.tHead.offsetHeight;
    const start = this.table.getBoundingClientRect().top - this.scroller.getBoundingClientRect().top
      + this.scroller.scrollTop - this.pad.top + head;
    const view = Math.max(this.rowHeight, this.scroller.clientHeight - head);
    const full = this.total * this.rowHeight;
    return { start, view, full, height: Math.min(full, MAX_HEIGHT), head };
  }

  // How far the view's top is into the rows' space (0 to the height less the view).
  offset({ start, view, height, head }) {
    return Math.min(Math.max(0, this.scroller.scrollTop + head - start), Math.max(0, height - view));
  }

  // The fractional index of the row at the top of the view.
  topIndex(space = this.space()) {
    const { view, full, height } = space;
    const s = this.offset(space);
    if (full <= MAX_HEIGHT) return s / this.rowHeight;
    return (s / (height - view)) * Math.max(0, this.total - view / this.rowHeight);
  }

  // The scrollTop that puts row `index` (fractional) at the top of the view.
  scrollTopFor(index, space = this.space()) {
    const { start, view, full, height, head } = space;
    const rows = Math.max(1, this.total - view / this.rowHeight);
    const s = full <= MAX_HEIGHT ? index * this.rowHeight : (index / rows) * (height - view);
    return start - head + Math.max(0, s);
  }

  // The rows drawn: the view and MARGIN rows on each side, as many at either end of
  // the list as in the middle (the DOM's size does not depend on where one is).
  range(space = this.space()) {
    const top = this.topIndex(space);
    const count = Math.ceil(space.view / this.rowHeight) + 2 * MARGIN;
    const first = Math.max(0, Math.min(Math.floor(top) - MARGIN, this.total - count));
    const last = Math.min(this.total, first + count);
    return { top, first, last };
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.render();
    });
  }

  // ---- drawing ----

  render() {
    // While a new query loads, the old rows stay as they are (dimmed), not placeholders.
    if (this.table.hasAttribute('aria-busy')) return;
    const space = this.space();
    const { top, first, last } = this.range(space);
    const s = this.offset(space);
    const padTop = Math.max(0, Math.round(s - (top - first) * this.rowHeight));
    const padBottom = Math.max(0, Math.round(space.height - padTop - (last - first) * this.rowHeight));
    const now = Date.now();
    const active = document.activeElement;
    // Rows leaving the view are kept and drawn again as the rows entering it: scrolling
    // rewrites a screen's cells instead of making and dropping a screen of elements per
    // step, which the web process gave back to the system late, if at all.
    for (const [i, { tr }] of this.shown) {
      if (i >= first && i < last) continue;
      if (tr.contains(active)) this.table.focus({ preventScroll: true });
      tr.remove();
      this.shown.delete(i);
      this.spare.push(tr);
    }
    let before = this.body.firstChild;
    for (let i = first; i < last; i++) {
      const record = this.records.get(i) ?? null;
      const had = this.shown.get(i);
      if (had && had.record === record) {
        before = had.tr.nextSibling;
        continue;
      }
      // A row drawn again in place keeps its element, and so the focus.
      const tr = had?.tr ?? this.spare.pop() ?? this.newRow();
      if (record) this.fillRow(tr, record, i, now);
      else this.fillPlaceholder(tr, i);
      if (!had) this.body.insertBefore(tr, before);
      before = tr.nextSibling;
      this.shown.set(i, { tr, record });
    }
    this.spare.length = Math.min(this.spare.length, this.shown.size);
    this.setPad(padTop, padBottom);
    this.rovingTabStop(Math.ceil(top));
    // For `make bench-app`: when the first rows were drawn, on the page's clock.
    if (!this.drawnOnce && this.records.size > 0) {
      this.drawnOnce = true;
      performance.mark('vaultstore:first-rows');
    }
    this.emptyNode.hidden = this.total > 0 || this.table.hasAttribute('aria-busy');
    this.measure();
    this.pump();
  }

  setPad(top, bottom) {
    if (top !== this.pad.top) this.table.style.marginTop = `${TABLE_MARGIN + top}px`;
    if (bottom !== this.pad.bottom) this.table.style.marginBottom = `${bottom}px`;
    this.pad = { top, bottom };
  }

  // Rows have one height (styles.css); the first drawn row says which.
  measure() {
    const first = this.shown.values().next().value;
    const h = first?.tr.getBoundingClientRect().height;
    if (h > 0 && Math.abs(h - this.rowHeight) > 0.5) {
      this.rowHeight = h;
      this.schedule();
    }
  }

  // One row is the table's tab stop: the focused one; once the pointer scrolled it out
  // of the DOM, the first row in view (unless the table itself holds the focus, from
  // that row: then the keys go on from it).
  rovingTabStop(inView = this.focusIndex) {
    if (!this.shown.has(this.focusIndex) && document.activeElement !== this.table) this.focusIndex = inView;
    this.focusIndex = Math.max(0, Math.min(this.focusIndex, this.total - 1));
    for (const [i, { tr }] of this.shown) tr.tabIndex = i === this.focusIndex ? 0 : -1;
  }

  // A row's element and its cells, filled by fillRow or fillPlaceholder.
  newRow() {
    const cells = ['pick', 'token', 'label', 'tags', '', 'vault-only', 'expiry', 'deleted-at trash-only', 'status'];
    return el('tr', { tabindex: '-1' }, cells.map((c) => el('td', { class: c || null })));
  }

  fillRow(tr, r, index, now) {
    const badge = expiryBadge(r, now, this.soonDays);
    const status = statusAt(r, now);
    const name = r.label || r.token;
    tr.removeAttribute('class');
    tr.removeAttribute('aria-busy');
    Object.assign(tr.dataset, { token: r.token, id: r.id, index: String(index) });
    tr.setAttribute('aria-label', `Open ${name}`);
    const [pick, token, label, tags, created, updated, expiry, deleted, state] = tr.cells;
    const box = pick.firstChild ?? pick.appendChild(el('input', { type: 'checkbox', class: 'pick', tabindex: '-1' }));
    box.setAttribute('aria-label', `Select ${name}`);
    box.checked = this.selection.has(r.id);
    setText(token, r.token);
    setText(label, r.label || '');
    tags.replaceChildren(...r.tags.map((t) => el('button', {
      type: 'button', class: 'tag', tabindex: '-1', dataset: { tag: t }, title: `Show only records tagged ${t}`,
    }, t)));
    setText(created, formatDate(r.createdAt));
    setText(updated, formatDate(r.updatedAt));
    const span = expiry.firstChild ?? expiry.appendChild(el('span'));
    span.className = `badge ${badge.kind}`;
    setText(span, badge.text);
    setText(deleted, formatDate(r.softDeletedAt));
    state.className = `status ${status}`;
    setText(state, r.opened ? `${status} · open` : status);
  }

  // A row not loaded yet: the height of a row, nothing to read or click.
  fillPlaceholder(tr, index) {
    tr.className = 'placeholder';
    tr.setAttribute('aria-busy', 'true');
    tr.removeAttribute('aria-label');
    delete tr.dataset.token;
    delete tr.dataset.id;
    tr.dataset.index = String(index);
    for (const td of tr.cells) td.replaceChildren();
  }

  // ---- a changed record, in place ----

  indexOf(token) {
    for (const [i, r] of this.records) if (r.token === token) return i;
    return -1;
  }

  // Reads one record again and redraws its row where it is; a record the view no
  // longer lists (trashed, restored, deleted, renewed out of the filter) leaves it.
  async updateRecord(token) {
    const generation = this.generation;
    const page = await api.listRecords(this.args({ token, limit: 1 }));
    if (generation !== this.generation) return;
    const i = this.indexOf(token);
    if (i < 0) return;
    const [record] = page.records;
    if (record) this.records.set(i, record);
    else this.removeAt(i);
    this.render();
  }

  removeAt(index) {
    const gone = this.records.get(index);
    const shifted = new Map();
    for (const [i, r] of this.records) if (i !== index) shifted.set(i > index ? i - 1 : i, r);
    this.records = shifted;
    this.blocks = new Map(); // block edges moved by a row: read by offset again
    this.total = Math.max(0, this.total - 1);
    this.totalNode.textContent = `${this.total} record${this.total === 1 ? '' : 's'}`;
    if (gone && this.selection.ids.delete(gone.id)) this.selection.changed();
  }

  // ---- pointer and keys ----

  onClick(e) {
    const tr = e.target.closest('tr[data-index]');
    if (!tr) return;
    const index = Number(tr.dataset.index);
    const record = this.records.get(index);
    const box = e.target.closest('input.pick');
    const tag = e.target.closest('[data-tag]');
    this.focusIndex = index;
    this.rovingTabStop();
    if (box && record) this.selection.toggle(record.id, e.shiftKey, this.loadedIds());
    else if (tag) this.dispatchEvent(new CustomEvent('filter-tag', { detail: tag.dataset.tag }));
    else this.activate(index);
  }

  onKey(e) {
    // The rows' keys; the header's buttons and box keep theirs.
    if (e.altKey || this.total === 0 || !(e.target === this.table || this.body.contains(e.target))) return;
    // A row's box or tag chip, clicked and so focused, keeps its own Enter and Space.
    if (['Enter', ' '].includes(e.key) && e.target.closest('input.pick, [data-tag]')) return;
    const ctrl = e.ctrlKey || e.metaKey;
    const page = Math.max(1, Math.floor(this.space().view / this.rowHeight) - 1);
    const moves = {
      ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity, End: Infinity,
    };
    const record = this.records.get(this.focusIndex);
    if (e.key in moves && !ctrl) {
      e.preventDefault();
      this.focusRow(this.focusIndex + moves[e.key]);
    } else if (e.key === 'Enter' && !ctrl) {
      e.preventDefault();
      this.activate(this.focusIndex);
    } else if (e.key === ' ' && !ctrl) {
      e.preventDefault();
      if (record) this.selection.toggle(record.id, e.shiftKey, this.loadedIds());
    } else if (e.key === 'Delete' && record) {
      e.preventDefault();
      this.dispatchEvent(new CustomEvent('trash-record', { detail: record }));
    } else if (ctrl && e.key.toLowerCase() === 'c' && record && !String(window.getSelection())) {
      e.preventDefault();
      this.dispatchEvent(new CustomEvent('copy-record', { detail: record }));
    }
  }

  // Moves the row focus to `index` (clamped), scrolling it into view; a row not loaded
  // yet is focused as a placeholder and keeps the focus when its record arrives.
  focusRow(index) {
    const i = Math.max(0, Math.min(this.total - 1, index));
    this.focusIndex = i;
    const space = this.space();
    const top = this.topIndex(space);
    const rows = space.view / this.rowHeight;
    if (i < top) this.scroller.scrollTop = this.scrollTopFor(i, space);
    else if (i + 1 > top + rows) this.scroller.scrollTop = this.scrollTopFor(i + 1 - rows, space);
    this.render();
    this.shown.get(i)?.tr.focus({ preventScroll: true });
  }

  // The focused row's element, if it is drawn.
  focusedRow() {
    return this.shown.get(this.focusIndex)?.tr ?? null;
  }

  activate(index) {
    const record = this.records.get(index);
    if (record) this.dispatchEvent(new CustomEvent('open-record', { detail: record }));
  }
}
