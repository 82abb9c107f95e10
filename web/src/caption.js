// Captions become text nodes and links. Links are built only from text
// that passed the hashtag or handle pattern, so a caption can never make
// a javascript: link or markup: everything else is a text node.

const tokenRE = /#[\p{L}\p{N}_]{1,100}|@[A-Za-z0-9_.]{3,24}/gu;
const handleRE = /^[a-z0-9_.]{3,24}$/;
const wordRE = /[\p{L}\p{N}_]/u;

export function renderCaption(el, text) {
  el.textContent = '';
  text = String(text || '');
  let last = 0;
  for (const m of text.matchAll(tokenRE)) {
    let tok = m[0];
    const start = m.index;
    if (start > 0 && wordRE.test(text[start - 1])) continue;
    let href;
    if (tok[0] === '#') {
      href = '/tag/' + encodeURIComponent(tok.slice(1).toLowerCase());
    } else {
      tok = tok.replace(/\.+$/, '');
      const h = tok.slice(1).toLowerCase();
      if (!handleRE.test(h) || h.startsWith('.') || h.includes('..')) continue;
      href = '/@' + h;
    }
    if (start > last) el.append(text.slice(last, start));
    const a = document.createElement('a');
    a.href = href;
    a.textContent = tok;
    el.append(a);
    last = start + tok.length;
  }
  if (last < text.length) el.append(text.slice(last));
}

// safeHandle returns a handle fit for a /@handle link, or ''.
export function safeHandle(h) {
  h = String(h || '').toLowerCase();
  return handleRE.test(h) ? h : '';
}
