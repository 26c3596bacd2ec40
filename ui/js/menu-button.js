// A button that opens a menu (the WAI-ARIA menu button pattern): Enter, Space or the
// arrows open it on an item, the arrows, Home and End move through it, Esc and a click
// outside close it, and the focus goes back to the button, so a dialog an item opens
// hands the focus back there when it closes.
export class MenuButton {
  constructor(button, menu) {
    this.button = button;
    this.menu = menu;
    this.items = [...menu.querySelectorAll('[role="menuitem"]')];
    button.addEventListener('click', () => (this.isOpen() ? this.close() : this.open(0)));
    button.addEventListener('keydown', (e) => {
      const first = { ArrowDown: 0, Enter: 0, ' ': 0, ArrowUp: this.items.length - 1 }[e.key];
      if (first === undefined) return;
      e.preventDefault();
      this.open(first);
    });
    menu.addEventListener('keydown', (e) => this.onKey(e));
    // Capture: the menu closes and the button has the focus before the item's own
    // handler opens a dialog, which remembers the button as where the focus returns.
    menu.addEventListener('click', (e) => {
      if (e.target.closest('[role="menuitem"]')) this.close();
    }, { capture: true });
    document.addEventListener('pointerdown', (e) => {
      if (this.isOpen() && !menu.contains(e.target) && !button.contains(e.target)) this.close(false);
    });
    // The focus moved elsewhere (Shift+Tab, a shortcut): the menu goes with it.
    menu.addEventListener('focusout', (e) => {
      const to = e.relatedTarget;
      if (to && this.isOpen() && !menu.contains(to) && to !== button) this.close(false);
    });
  }

  isOpen() {
    return !this.menu.hidden;
  }

  open(index) {
    this.menu.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.items[index]?.focus();
  }

  // `refocus`: false when the focus is already going elsewhere (a click outside, Tab).
  close(refocus = true) {
    this.menu.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    if (refocus) this.button.focus();
  }

  onKey(e) {
    const at = this.items.indexOf(document.activeElement);
    const n = this.items.length;
    const to = {
      ArrowDown: (at + 1) % n, ArrowUp: (at - 1 + n) % n, Home: 0, End: n - 1,
    }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      this.items[to].focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      this.close();
    } else if (e.key === 'Tab') {
      this.close(false);
    }
  }
}
