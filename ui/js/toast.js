// Short messages at the bottom of the window, optionally with one action (Undo).
const host = () => document.getElementById('toasts');

export function toast(message, { action, onAction, error = false, seconds = 6 } = {}) {
  const node = document.createElement('div');
  node.className = error ? 'toast error' : 'toast';
  const text = document.createElement('span');
  text.textContent = message;
  node.append(text);
  if (action) {
    const button = document.createElement('button');
    button.textContent = action;
    button.addEventListener('click', () => {
      node.remove();
      onAction?.();
    });
    node.append(button);
  }
  host().append(node);
  setTimeout(() => node.remove(), seconds * 1000);
  return node;
}
