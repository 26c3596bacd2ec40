// The Vault/Trash tabs (the WAI-ARIA tabs pattern, automatic activation): only the
// selected tab is in the Tab order; the arrows, Home and End select another tab and
// move the focus to it; the panel is labelled by the selected tab.
export class Tabs {
  // The arrows click the tab they move to, so the keyboard and the mouse take one path.
  constructor(list, panel) {
    this.tabs = [...list.querySelectorAll('[role="tab"]')];
    this.panel = panel;
    list.addEventListener('keydown', (e) => {
      const at = this.tabs.indexOf(document.activeElement);
      if (at < 0) return;
      const n = this.tabs.length;
      const to = { ArrowRight: (at + 1) % n, ArrowLeft: (at - 1 + n) % n, Home: 0, End: n - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      this.tabs[to].focus();
      this.tabs[to].click();
    });
  }

  // Shows `selected` (a tab element) as the selected one.
  show(selected) {
    for (const tab of this.tabs) {
      const on = tab === selected;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
    }
    this.panel.setAttribute('aria-labelledby', selected.id);
  }
}
