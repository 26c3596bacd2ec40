// Short messages at the bottom of the window, optionally with one action (Undo, Cancel).
// `seconds: 0` keeps a toast until the caller removes it (a running operation's progress
// and Cancel); `keep: true` keeps it when its action is pressed. An error toast is an
// alert: a screen reader says it at once.
const host = () => document.getElementById('toasts');

// A modal dialog draws over the page (the top layer) and makes the rest of it inert, so
// no z-index lifts a toast above it: while one is open the toasts live inside it, where
// they are seen and their button can be pressed, and go back to the page when it closes.
// Dialogs open in document order over one another (a confirmation after its dialog).
function placeToasts() {
  const modal = [...document.querySelectorAll('dialog[open]')].filter((d) => d.matches(':modal')).pop();
  const home = modal ?? document.body;
  if (host().parentElement !== home) home.append(host());
}
new MutationObserver(placeToasts).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['open'] });

export function toast(message, { action, onAction, error = false, seconds = 6, keep = false } = {}) {
  const node = document.createElement('div');
  node.className = error ? 'toast error' : 'toast';
  if (error) node.setAttribute('role', 'alert');
  const text = document.createElement('span');
  text.textContent = message;
  node.append(text);
  if (action) {
    const button = document.createElement('button');
    button.textContent = action;
    button.addEventListener('click', () => {
      if (!keep) node.remove();
      onAction?.(button);
    });
    node.append(button);
  }
  host().append(node);
  if (seconds > 0) setTimeout(() => node.remove(), seconds * 1000);
  node.setMessage = (m) => { text.textContent = m; };
  return node;
}
