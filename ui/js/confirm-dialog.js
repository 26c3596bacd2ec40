// A modal yes/no question; resolves to true when confirmed.
export function confirmAction(title, message, okLabel = 'OK') {
  const dialog = document.getElementById('confirm-dialog');
  dialog.querySelector('#confirm-title').textContent = title;
  dialog.querySelector('[data-role="message"]').textContent = message;
  dialog.querySelector('[data-role="ok"]').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}
