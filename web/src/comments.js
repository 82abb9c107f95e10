// A comment in the comments sheet: its replies (one level, behind a
// "view N replies" expander), its like button and count, and for the
// video's creator a pin button. The rules are the server's (social);
// this only shows what the API answers.
import { api } from './api.js';
import { face } from './avatar.js';
import { safeHandle } from './caption.js';
import { fmtCount, getBoot, t, viewer } from './i18n.js';
import { icon } from './icons.js';
import { reportButton } from './report.js';
import { h, toast } from './ui.js';

const enc = encodeURIComponent;

// plural picks key.one / key.other (or another CLDR form) for n in the
// page's language.
function plural(key, n) {
  let form = 'other';
  try {
    form = new Intl.PluralRules(getBoot().lang).select(n);
  } catch {
    // an unknown language: "other"
  }
  const k = `${key}.${form}`;
  return t(getBoot().t[k] !== undefined ? k : `${key}.other`, fmtCount(n));
}

// problem is the sheet's words for a failed request, in the page's
// language (the API's own message may be in another).
export function problem(e) {
  switch (e && e.status) {
    case 403:
      return t('comments.forbidden');
    case 404:
      return t('comments.gone');
    case 429:
      return t('comments.too_many');
    case 0:
      return t('load_error');
  }
  return t('error');
}

// Thread state of the open sheet: the video, the reply target the form
// posts to (null: a new top-level comment) and how to show it.
export const thread = { video: null, replyTo: null, onReplyTo: () => {} };

function isOwner(v) {
  const me = viewer();
  return !!(me && v && v.creator && me.handle === v.creator.handle);
}

function likeButton(c) {
  const count = h('span', { class: 'count' });
  const btn = h('button', { type: 'button', class: 'comment-like' }, icon('heart'), count);
  const render = () => {
    btn.setAttribute('aria-pressed', String(!!c.liked));
    btn.setAttribute('aria-label', `${c.liked ? t('comments.unlike') : t('comments.like')} (${plural('comments.likes', c.likes || 0)})`);
    btn.classList.toggle('on', !!c.liked);
    count.textContent = c.likes ? fmtCount(c.likes) : '';
  };
  render();
  btn.addEventListener('click', async () => {
    if (!viewer()) {
      api('PUT', `/api/v1/comments/${enc(c.id)}/like`); // sends the visitor to sign in
      return;
    }
    const want = !c.liked;
    const before = c.likes || 0;
    c.liked = want;
    c.likes = Math.max(0, before + (want ? 1 : -1));
    render();
    try {
      const r = await api(want ? 'PUT' : 'DELETE', `/api/v1/comments/${enc(c.id)}/like`);
      if (r && typeof r.likes === 'number') c.likes = r.likes;
    } catch (e) {
      c.liked = !want;
      c.likes = before;
      if (e.status !== 401) toast(problem(e));
    }
    render();
  });
  return btn;
}

// commentItem renders a comment (top-level: with its thread) into an <li>.
// onCount(delta) tells the sheet the video's comment count changed;
// onPin(c) that the creator pinned or unpinned c.
export function commentItem(c, v, onCount, onPin) {
  const author = safeHandle(c.author && c.author.handle);
  const top = !c.parent_id;
  const li = h('li', { class: top ? 'comment' : 'comment reply', 'data-id': c.id });
  if (c.pinned) li.append(h('p', { class: 'comment-pinned' }, icon('pin'), t('comments.pinned')));
  const head = h('div', { class: 'comment-head' },
    h('span', { class: 'avatar small', 'aria-hidden': 'true' }, face(c.author && c.author.avatar_url, (author[0] || '?').toUpperCase())),
    h('a', { class: 'handle', href: author ? '/@' + author : '#' }, '@' + author));
  if (!top && c.reply_to && c.reply_to.handle) {
    const to = safeHandle(c.reply_to.handle);
    head.append(h('span', { class: 'reply-to' }, ' ▸ ', h('a', { href: '/@' + to }, '@' + to)));
  }
  li.append(head, h('p', { class: 'text' }, c.text));
  const bar = h('div', { class: 'comment-bar' });
  const when = new Date(c.created_at);
  if (!isNaN(when)) bar.append(h('time', { datetime: when.toISOString() }, when.toLocaleDateString(getBoot().lang)));
  const replyBtn = h('button', { type: 'button', class: 'link-button comment-reply' }, t('comments.reply'));
  replyBtn.addEventListener('click', () => thread.onReplyTo(c));
  bar.append(replyBtn);
  if (top && isOwner(v)) {
    const pin = h('button', { type: 'button', class: 'link-button comment-pin' }, c.pinned ? t('comments.unpin') : t('comments.pin'));
    pin.addEventListener('click', async () => {
      try {
        const r = await api(c.pinned ? 'DELETE' : 'PUT', `/api/v1/comments/${enc(c.id)}/pin`);
        onPin(r);
        toast(r.pinned ? t('comments.pinned_done') : t('comments.unpinned_done'));
      } catch (e) {
        if (e.status !== 401) toast(problem(e));
      }
    });
    bar.append(pin);
  }
  const me = viewer();
  if (me && (me.handle === author || isOwner(v))) {
    const del = h('button', { type: 'button', class: 'link-button', 'aria-label': t('delete') }, t('delete'));
    del.addEventListener('click', async () => {
      try {
        await api('DELETE', `/api/v1/comments/${enc(c.id)}`);
        li.remove();
        onCount(-1 - (top ? c.replies || 0 : 0));
      } catch (e) {
        if (e.status !== 401) toast(problem(e));
      }
    });
    bar.append(del);
  }
  if (!me || me.handle !== author) bar.append(reportButton('comment', c.id));
  bar.append(likeButton(c));
  li.append(bar);
  if (top) li.append(threadOf(c, v, onCount));
  return li;
}

// threadOf is a top-level comment's replies: an expander with the reply
// count, the list, and "more replies" while there are more.
function threadOf(c, v, onCount) {
  const list = h('ul', { class: 'replies' });
  const toggle = h('button', { type: 'button', class: 'link-button view-replies', 'aria-expanded': 'false' });
  const more = h('button', { type: 'button', class: 'link-button more-replies', hidden: true }, t('comments.more_replies'));
  const box = h('div', { class: 'thread' }, toggle, list, more);
  let cursor = '';
  let loaded = false;
  const label = () => {
    toggle.hidden = !c.replies && !loaded;
    toggle.textContent = loaded && !list.hidden ? t('comments.hide_replies') : plural('comments.view_replies', c.replies || 0);
    toggle.setAttribute('aria-expanded', String(loaded && !list.hidden));
  };
  const load = async () => {
    try {
      const r = await api('GET', `/api/v1/comments/${enc(c.id)}/replies?cursor=${enc(cursor)}`, undefined, { redirectOn401: false });
      for (const rc of r.items || []) {
        if (!list.querySelector(`[data-id="${CSS.escape(rc.id)}"]`)) list.append(commentItem(rc, v, onCount, () => {}));
      }
      cursor = r.next_cursor || '';
      more.hidden = !cursor;
      loaded = true;
    } catch (e) {
      toast(problem(e));
    }
    label();
  };
  toggle.addEventListener('click', async () => {
    if (!loaded) {
      await load();
      return;
    }
    list.hidden = !list.hidden;
    more.hidden = list.hidden || !cursor;
    label();
  });
  more.addEventListener('click', load);
  // added shows a reply the viewer just wrote, opening the thread.
  box.added = async (rc) => {
    c.replies = (c.replies || 0) + 1;
    if (!loaded) await load();
    list.hidden = false;
    if (!list.querySelector(`[data-id="${CSS.escape(rc.id)}"]`)) list.append(commentItem(rc, v, onCount, () => {}));
    label();
  };
  label();
  return box;
}
