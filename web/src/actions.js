// The action column of a clip (follow, like, comments, share) and the
// comments sheet, shared by the feed and the video page.
import { api, signinURL } from './api.js';
import { safeHandle } from './caption.js';
import { face } from './avatar.js';
import { fmtCount, t, viewer } from './i18n.js';
import { commentItem, problem, thread } from './comments.js';
import { icon } from './icons.js';
import { h, toast } from './ui.js';
import { reportButton } from './report.js';

const enc = encodeURIComponent;

// Follow state is per creator: every clip of a creator updates together.
const followers = new Map(); // handle -> Set of update functions

function requireSignin() {
  if (viewer()) return true;
  location.assign(signinURL());
  return false;
}

export function setFollowing(handle, following) {
  for (const fn of followers.get(handle) || []) fn(following);
}

export function buildActions(v) {
  const handle = safeHandle(v.creator && v.creator.handle);
  const me = viewer();
  const own = me && me.handle === handle;
  const col = h('div', { class: 'actions' });

  // Creator avatar with a follow button.
  const avatar = h('a', { class: 'avatar', href: handle ? '/@' + handle : '#', 'aria-label': '@' + handle },
    face(v.creator && v.creator.avatar_url, (handle[0] || '?').toUpperCase()));
  const follow = h('button', { type: 'button', class: 'follow' });
  const renderFollow = (on) => {
    v.following = on;
    follow.setAttribute('aria-pressed', String(on));
    follow.setAttribute('aria-label', (on ? t('unfollow') : t('follow')) + ' @' + handle);
    follow.replaceChildren(icon(on ? 'check' : 'plus'));
    follow.classList.toggle('on', on);
  };
  renderFollow(!!v.following);
  if (!followers.has(handle)) followers.set(handle, new Set());
  followers.get(handle).add(renderFollow);
  follow.addEventListener('click', async () => {
    if (!requireSignin()) return;
    const want = !v.following;
    setFollowing(handle, want);
    try {
      await api(want ? 'PUT' : 'DELETE', `/api/v1/users/${enc(handle)}/follow`);
    } catch (e) {
      setFollowing(handle, !want);
      if (e.status !== 401) toast(e.message || t('error'));
    }
  });
  col.append(h('div', { class: 'creator' }, avatar, own ? null : follow));

  // Like.
  const likeCount = h('span', { class: 'count' });
  const like = h('button', { type: 'button', class: 'act like' }, h('span', { class: 'icon' }, icon('heart')), likeCount);
  const renderLike = () => {
    like.setAttribute('aria-pressed', String(!!v.liked));
    like.setAttribute('aria-label', `${v.liked ? t('unlike') : t('like')} (${v.likes})`);
    like.classList.toggle('on', !!v.liked);
    likeCount.textContent = fmtCount(v.likes);
  };
  renderLike();
  like.addEventListener('click', async () => {
    if (!requireSignin()) return;
    const want = !v.liked;
    v.liked = want;
    v.likes = Math.max(0, v.likes + (want ? 1 : -1));
    renderLike();
    try {
      const r = await api(want ? 'PUT' : 'DELETE', `/api/v1/videos/${enc(v.id)}/like`);
      if (r && typeof r.likes === 'number') v.likes = r.likes;
    } catch (e) {
      v.liked = !want;
      v.likes = Math.max(0, v.likes + (want ? -1 : 1));
      if (e.status !== 401) toast(e.message || t('error'));
    }
    renderLike();
  });
  col.append(like);

  // Comments.
  const commentCount = h('span', { class: 'count' });
  const comments = h('button', { type: 'button', class: 'act comments' }, h('span', { class: 'icon' }, icon('comment')), commentCount);
  const renderComments = () => {
    commentCount.textContent = fmtCount(v.comments);
    comments.setAttribute('aria-label', `${t('comments')} (${v.comments})`);
  };
  renderComments();
  comments.addEventListener('click', () => openComments(v, renderComments, comments));
  col.append(comments);

  // Share.
  const share = h('button', { type: 'button', class: 'act share', 'aria-label': t('share') },
    h('span', { class: 'icon' }, icon('share')), h('span', { class: 'count' }, t('share')));
  share.addEventListener('click', () => shareVideo(v));
  col.append(share);
  if (!own) col.append(reportButton('video', v.id, 'act report'));
  return col;
}

async function shareVideo(v) {
  const url = location.origin + '/v/' + enc(v.id);
  // The share counts for the creator's studio (once per viewer and day).
  beacon(`/api/v1/videos/${enc(v.id)}/view`, { shared: true });
  if (navigator.share) {
    try {
      await navigator.share({ url, title: t('video_of', v.creator.handle) });
      return;
    } catch (e) {
      if (e && e.name === 'AbortError') return;
    }
  }
  try {
    await navigator.clipboard.writeText(url);
    toast(t('copied'));
  } catch {
    toast(url);
  }
}

// The comments sheet: one <dialog>, reused for every clip.
let sheet;
function getSheet() {
  if (sheet) return sheet;
  const list = h('ul', { class: 'comment-list' });
  const more = h('button', { type: 'button', class: 'button comment-more', hidden: true }, t('more'));
  const input = h('input', { name: 'text', id: 'comment-text', maxlength: '500', required: true, autocomplete: 'off', placeholder: t('comment_ph') });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const replyingTo = h('span');
  const cancelReply = h('button', { type: 'button', class: 'icon-button', 'aria-label': t('comments.cancel_reply') }, '✕');
  const replying = h('p', { class: 'replying', hidden: true }, replyingTo, cancelReply);
  const form = h('form', { class: 'comment-form' }, replying,
    h('label', { class: 'visually-hidden', for: 'comment-text' }, t('comment_ph')), input,
    h('button', { type: 'submit' }, t('send')), error);
  const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': t('close') }, '✕');
  const dialog = h('dialog', { class: 'sheet', 'aria-labelledby': 'comments-title' },
    h('div', { class: 'sheet-head' }, h('h2', { id: 'comments-title' }, t('comments')), close),
    list, more, form);
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close(); // backdrop
  });
  document.body.append(dialog);
  sheet = { dialog, list, more, form, input, error, replying, replyingTo, cancelReply };
  return sheet;
}

let current = 0; // guards against answers for a clip the sheet no longer shows

async function openComments(v, onCount, opener) {
  const s = getSheet();
  const token = ++current;
  s.list.textContent = '';
  s.error.textContent = '';
  s.more.hidden = true;
  const count = (d) => {
    v.comments = Math.max(0, v.comments + d);
    onCount();
  };
  // Replying: the form answers a comment until sent or cancelled.
  const replyTo = (c) => {
    thread.replyTo = c;
    s.replying.hidden = !c;
    s.replyingTo.textContent = c ? t('comments.replying_to', safeHandle(c.author && c.author.handle)) : '';
    s.input.placeholder = c ? t('comments.reply_ph') : t('comment_ph');
    if (c) s.input.focus();
  };
  thread.video = v;
  thread.onReplyTo = (c) => {
    if (requireSignin()) replyTo(c);
  };
  s.cancelReply.onclick = () => replyTo(null);
  replyTo(null);
  const item = (c) => commentItem(c, v, count, () => reload());
  s.form.onsubmit = async (e) => {
    e.preventDefault();
    if (!requireSignin()) return;
    const text = s.input.value.trim();
    if (!text) return;
    s.error.textContent = '';
    const to = thread.replyTo;
    try {
      if (to) {
        const rc = await api('POST', `/api/v1/comments/${enc(to.id)}/replies`, { text });
        const top = s.list.querySelector(`li.comment[data-id="${CSS.escape(rc.parent_id)}"] > .thread`);
        if (top) await top.added(rc);
        replyTo(null);
      } else {
        const c = await api('POST', `/api/v1/videos/${enc(v.id)}/comments`, { text });
        s.list.querySelector('.empty')?.remove();
        const pinned = s.list.querySelector(':scope > li.comment:has(> .comment-pinned)');
        if (pinned) pinned.after(item(c));
        else s.list.prepend(item(c));
      }
      s.input.value = '';
      count(1);
    } catch (err) {
      // A 404 on a new comment is the video (gone, or hidden from this
      // person); on a reply, the comment answered (comments.gone).
      if (err.status !== 401) s.error.textContent = err.field ? t('comments.bad_text') : err.status === 404 && !to ? err.message : problem(err);
    }
  };
  s.dialog.onclose = () => opener && opener.focus();
  if (!s.dialog.open) s.dialog.showModal();
  let cursor = '';
  const load = async () => {
    try {
      const r = await api('GET', `/api/v1/videos/${enc(v.id)}/comments?cursor=${enc(cursor)}`, undefined, { redirectOn401: false });
      if (token !== current) return;
      for (const c of r.items || []) s.list.append(item(c));
      if (!s.list.children.length) s.list.append(h('li', { class: 'empty' }, t('no_comments')));
      cursor = r.next_cursor || '';
      s.more.hidden = !cursor;
    } catch (e) {
      if (token === current) s.error.textContent = problem(e);
    }
  };
  const reload = () => {
    s.list.textContent = '';
    cursor = '';
    return load();
  };
  s.more.onclick = load;
  await load();
}
