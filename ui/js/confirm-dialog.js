// A modal question. `confirmAction` resolves to true when confirmed; `confirmTyped` asks
// the user to type `expected` (a token) first and resolves to what was typed, or null.
function ask(title, message, okLabel, expected) {
  const dialog = document.getElementById('confirm-dialog');
  const typedLabel = dialog.querySelector('[data-role="typed"]');
  const input = dialog.querySelector('input[name="typed"]');
  const ok = dialog.querySelector('[data-role="ok"]');
  dialog.querySelector('#confirm-title').textContent = title;
  dialog.querySelector('[data-role="message"]').textContent = message;
  ok.textContent = okLabel;
  typedLabel.hidden = expected === null;
  dialog.querySelector('[data-role="typed-prompt"]').textContent = expected === null ? '' : `Type ${expected} to confirm:`;
  input.value = '';
  const matches = () => expected === null || input.value.trim() === expected;
  ok.disabled = !matches();
  const onInput = () => { ok.disabled = !matches(); };
  // Enter in the field confirms once it matches (the form's first button is Cancel).
  const onKey = (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    if (matches()) ok.click();
  };
  input.addEventListener('input', onInput);
  input.addEventListener('keydown', onKey);
  dialog.returnValue = '';
  dialog.showModal();
  if (expected !== null) input.focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      input.removeEventListener('input', onInput);
      input.removeEventListener('keydown', onKey);
      const typed = input.value.trim();
      const confirmed = dialog.returnValue === 'ok' && matches();
      input.value = '';
      ok.disabled = false;
      resolve(confirmed ? typed : null);
    }, { once: true });
  });
}

export function confirmAction(title, message, okLabel = 'OK') {
  return ask(title, message, okLabel, null).then((answer) => answer !== null);
}

export function confirmTyped(title, message, okLabel, expected) {
  return ask(title, message, okLabel, expected);
}
