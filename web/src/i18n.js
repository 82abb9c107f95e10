// Messages are the server's catalogue ("js." keys), so scripts and
// templates share one catalogue. They come in a static file per language
// (/static/i18n/<lang>.js, cached by its content hash) that the page loads
// before the bundle; app.js puts them into the boot object.
let boot = { t: {}, lang: 'en', viewer: null };

export function setBoot(b) {
  boot = b;
}

export function getBoot() {
  return boot;
}

// t returns a message with each %s replaced by the next argument.
export function t(key, ...args) {
  let s = boot.t[key] ?? key;
  for (const a of args) s = s.replace('%s', String(a));
  return s;
}

let nf;
export function fmtCount(n) {
  if (!nf) {
    try {
      nf = new Intl.NumberFormat(boot.lang, { notation: 'compact', maximumFractionDigits: 1 });
    } catch {
      nf = { format: String };
    }
  }
  return nf.format(Number(n) || 0);
}

export function viewer() {
  return boot.viewer;
}
