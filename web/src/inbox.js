// The inbox: /inbox lists notifications (likes of one video grouped, with
// the right plural), marks them read and holds the inbox switches; and
// refreshUnread() fills every [data-unread-badge] with the unread count.
import { api } from './api.js';
import { safeHandle } from './caption.js';
import { getBoot, t, viewer } from './i18n.js';
import { statementView } from './report.js';
import { h } from './ui.js';

const enc = encodeURIComponent;
const idOK = (s) => typeof s === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(s);

let rules;
// plural picks key.one / key.other (and the other CLDR forms, falling back
// to .other) by the page language's plural rules.
export function plural(key, n, ...args) {
  if (!rules) {
    try {
      rules = new Intl.PluralRules(getBoot().lang);
    } catch {
      rules = { select: (x) => (x === 1 ? 'one' : 'other') };
    }
  }
  const form = rules.select(n);
  const k = getBoot().t[key + '.' + form] !== undefined ? key + '.' + form : key + '.other';
  return t(k, ...args);
}

function fmt(n) {
  try {
    return new Intl.NumberFormat(getBoot().lang).format(n);
  } catch {
    return String(n);
  }
}

// refreshUnread asks for the unread count and shows it in every element
// marked data-unread-badge (hidden at 0). Signed out it does nothing.
export async function refreshUnread() {
  const badges = document.querySelectorAll('[data-unread-badge]');
  if (!badges.length || !viewer()) return;
  let n = 0;
  try {
    n = (await api('GET', '/api/v1/me/inbox/unread', undefined, { redirectOn401: false })).unread || 0;
  } catch {
    return;
  }
  for (const b of badges) {
    b.textContent = n > 99 ? '99+' : String(n);
    b.hidden = n === 0;
    b.setAttribute('aria-label', t('inbox.badge', n));
  }
}

const who = (a) => '@' + safeHandle(a && a.handle);

function line(e) {
  const d = e.data || {};
  const actors = e.actors || [];
  const video = idOK(d.video_id) ? '/v/' + enc(d.video_id) : '';
  switch (e.kind) {
    case 'comment':
    case 'reply':
      return { text: t('inbox.' + e.kind, '@' + safeHandle(d.author_handle || (d.actor && d.actor.handle))), quote: d.text, href: video };
    case 'mention':
      return { text: t('inbox.mention', who(d.actor)), quote: d.text, href: video };
    case 'follow':
      if (!actors.length) return { text: t('inbox.someone_follows') };
      return { text: e.count > 1 ? plural('inbox.follow_more', e.count - 1, who(actors[0]), fmt(e.count - 1)) : t('inbox.follow', who(actors[0])),
        href: '/@' + safeHandle(actors[0].handle) };
    case 'follow_request':
      return { text: t('inbox.follow_request', '@' + safeHandle(d.handle)), href: '/followers', link: t('inbox.follow_request_answer') };
    case 'like':
      if (actors.length) {
        const others = e.count - 1;
        return { text: others > 0 ? plural('inbox.likes_named', others, who(actors[0]), fmt(others)) : t('inbox.like_named', who(actors[0])), href: video, link: t('inbox.see_video') };
      }
      return { text: plural('inbox.likes', e.count, fmt(e.count)), href: video, link: t('inbox.see_video') };
    case 'statement_of_reasons': {
      const st = d.statement || d;
      const title = st.appeal_of ? 'inbox.statement_appeal' : d.notice_id ? 'inbox.statement_notifier' : 'inbox.statement_affected';
      return { text: t(title), statement: st, href: idOK(d.notice_id) ? '/reports/' + enc(d.notice_id) : '' };
    }
    case 'export_ready':
      return { text: t('inbox.export_ready'), href: /^\/api\/v1\/me\/exports\/[A-Za-z0-9_-]+$/.test(d.url || '') ? d.url : '', link: t('inbox.export_download') };
    case 'signin_alert':
      return { text: t('inbox.signin_alert', String(d.device || '')) };
    default:
      return { text: t('inbox.other') };
  }
}

function entryView(e) {
  const l = line(e);
  const li = h('li', { class: 'inbox-entry kind-' + e.kind + (e.read ? '' : ' unread'), 'data-kind': e.kind });
  const when = new Date(e.created_at);
  li.append(h('p', { class: 'inbox-text' }, e.read ? null : h('span', { class: 'inbox-new' }, t('inbox.unread')), l.text));
  if (l.quote) li.append(h('p', { class: 'inbox-quote' }, '“' + l.quote + '”'));
  if (l.statement) li.append(statementView(l.statement));
  const foot = h('p', { class: 'inbox-foot' });
  if (!isNaN(when)) foot.append(h('time', { datetime: when.toISOString() }, when.toLocaleString(getBoot().lang)));
  if (l.href) foot.append(h('a', { href: l.href }, l.link || (l.statement ? t('report.link') : t('inbox.see_video'))));
  li.append(foot);
  return li;
}

// initInbox lists the inbox, then marks what it showed read.
export async function initInbox() {
  const list = document.getElementById('inbox-list');
  const error = document.getElementById('inbox-error');
  if (!list) return;
  initInboxSettings();
  const readAll = document.getElementById('inbox-read-all');
  let ids = [];
  const markRead = async (which) => {
    try {
      await api('POST', '/api/v1/me/inbox/read', which.length ? { ids: which } : {});
      refreshUnread();
    } catch (e) {
      error.textContent = e.message || t('error');
    }
  };
  readAll.addEventListener('click', async () => {
    await markRead([]);
    for (const li of list.querySelectorAll('.unread')) li.classList.remove('unread');
    for (const s of list.querySelectorAll('.inbox-new')) s.remove();
  });
  try {
    const r = await api('GET', '/api/v1/me/inbox');
    for (const e of r.entries || []) {
      list.append(entryView(e));
      if (!e.read) ids = ids.concat(e.ids || []);
    }
    if (!list.children.length) list.append(h('li', { class: 'empty' }, t('inbox.empty')));
    readAll.hidden = !r.unread;
    // Seen now: the badge clears, the marks stay until the next visit.
    if (ids.length) await markRead(ids.slice(0, 1000));
  } catch (e) {
    error.textContent = e.message || t('load_error');
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
}

async function initInboxSettings() {
  const form = document.getElementById('inbox-settings');
  if (!form) return;
  const status = form.querySelector('.form-status');
  const err = form.querySelector('[data-error-for=""]');
  let s;
  try {
    s = await api('GET', '/api/v1/me/inbox/settings');
  } catch (e) {
    err.textContent = e.message || t('load_error');
    return;
  }
  for (const input of form.querySelectorAll('input[type=checkbox]')) {
    input.checked = input.name === 'show_likes' ? !!s.show_likes : !!(s.kinds && s.kinds[input.name]);
    input.disabled = false;
    input.addEventListener('change', async () => {
      status.textContent = '';
      err.textContent = '';
      const body = input.name === 'show_likes' ? { show_likes: input.checked } : { kinds: { [input.name]: input.checked } };
      try {
        await api('PATCH', '/api/v1/me/inbox/settings', body);
        status.textContent = t('inbox.saved');
      } catch (e) {
        input.checked = !input.checked;
        err.textContent = e.message || t('error');
      }
    });
  }
}
