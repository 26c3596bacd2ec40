// Short messages at the bottom of the window, optionally with one action (Undo, Cancel).
// `seconds: 0` keeps a toast until the caller removes it (a running operation's progress
// and Cancel); `keep: true` keeps it when its action is pressed.
const host = () => document.getElementById('toasts');

export function toast(message, { action, onAction, error = false, seconds = 6, keep = false } = {}) {
  const node = document.createElement('div');
  node.className = error ? 'toast error' : 'toast';
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
