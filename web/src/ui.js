// Small DOM helpers. h() builds elements from trusted tag and attribute
// names; every child string becomes a text node, never markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// initToast adds the toast's live region (pages do not carry it), at
// start, so that screen readers know it before its first message.
export function initToast() {
  if (!document.querySelector('.toast')) {
    document.body.append(h('div', { class: 'toast', role: 'status', 'aria-live': 'polite', hidden: true }));
  }
}

let toastTimer;
export function toast(msg) {
  const el = document.querySelector('.toast');
  if (!el) return;
  el.textContent = msg;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 2500);
}

export const reducedMotion = () => window.matchMedia('(prefers-reduced-motion: reduce)').matches;
