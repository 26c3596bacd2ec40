// Which rows of the records table are selected: rows picked by hand (click, Shift+click
// for a range of the loaded rows), or every record the current filter matches (Ctrl+A),
// loaded or not. Emits `change` whenever the selection changes.

export class Selection extends EventTarget {
  constructor() {
    super();
    this.ids = new Set();
    this.all = false; // every record the filter matches
    this.total = 0; // the filter's count, for `all`
    this.anchor = null; // the id a Shift+click range starts from
    this.prune = false; // drop unlisted picks at the next reload (the filter changed)
  }

  get count() {
    return this.all ? this.total : this.ids.size;
  }

  has(id) {
    return this.all || this.ids.has(id);
  }

  changed() {
    this.dispatchEvent(new Event('change'));
  }

  // A click on a row's box: toggles it, or with Shift sets the range from the last
  // clicked row to this one (in the order of `loadedIds`) to this row's new state.
  toggle(id, shift, loadedIds) {
    if (this.all) {
      // Leaving "all matching": what stays picked is what is loaded, less this row.
      this.ids = new Set(loadedIds);
      this.all = false;
    }
    const on = !this.ids.has(id);
    const from = shift && this.anchor !== null ? loadedIds.indexOf(this.anchor) : -1;
    const to = loadedIds.indexOf(id);
    if (from >= 0 && to >= 0) {
      const [a, b] = from < to ? [from, to] : [to, from];
      for (const other of loadedIds.slice(a, b + 1)) {
        if (on) this.ids.add(other);
        else this.ids.delete(other);
      }
    } else if (on) {
      this.ids.add(id);
    } else {
      this.ids.delete(id);
    }
    this.anchor = id;
    this.changed();
  }

  selectAll(total) {
    this.all = total > 0;
    this.total = total;
    this.ids.clear();
    this.changed();
  }

  clear() {
    if (!this.all && this.ids.size === 0) return;
    this.all = false;
    this.ids.clear();
    this.anchor = null;
    this.changed();
  }

  // The filter changed: "all matching" meant the old one, and picked rows the new one
  // does not list are dropped at the next reload.
  filterChanged() {
    this.all = false;
    this.prune = true;
    this.changed();
  }

  // After a reload: the filter's new count; after a filter change, picked rows no longer
  // listed are dropped (a plain reload keeps rows picked beyond the first page).
  settle(total, loadedIds) {
    this.total = total;
    if (this.all) {
      if (total === 0) this.all = false;
    } else if (this.prune && this.ids.size > 0) {
      const listed = new Set(loadedIds);
      for (const id of [...this.ids]) if (!listed.has(id)) this.ids.delete(id);
    }
    this.prune = false;
    this.changed();
  }

  // What the backend's bulk commands take.
  target(filterArgs) {
    return this.all ? { filter: filterArgs } : { ids: [...this.ids] };
  }
}
