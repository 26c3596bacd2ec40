// Formatting of dates and expiry badges.

const pad = (n) => String(n).padStart(2, '0');

// Local time as YYYY-MM-DD HH:MM: compact, unambiguous and sortable by eye.
export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// {text, kind} for an expiry cell: expired, expires within `soonDays` (a setting),
// never, or the date.
export function expiryBadge(record, now = Date.now(), soonDays = 7) {
  if (!record.expiresAt) return { text: 'never', kind: 'never' };
  const at = new Date(record.expiresAt).getTime();
  if (at <= now) return { text: 'expired', kind: 'expired' };
  if (at - now <= soonDays * 86400000) return { text: `expires ${formatDate(record.expiresAt)}`, kind: 'soon' };
  return { text: formatDate(record.expiresAt), kind: 'later' };
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}
