// The swipe feed: vertical clips with scroll snapping, the active clip
// playing, its neighbours' players attached ahead of time, more loaded
// through the API cursor as the end approaches.
import { api } from './api.js';
import { isMuted, makeClip, play, setMuted, togglePlay } from './clip.js';
import { getBoot, t, viewer } from './i18n.js';
import { attach, detach } from './player.js';
import { h, reducedMotion } from './ui.js';

const KEEP = 2; // players kept attached on each side of the active clip
const AHEAD = 3; // load the next page when this close to the end

export function initFeed() {
  const root = document.getElementById('feed');
  if (!root) return;
  const KINDS = ['foryou', 'following', 'popular', 'newest'];
  let kind = KINDS.includes(root.dataset.kind) ? root.dataset.kind : 'popular';
  let cursor = '';
  let done = false;
  let loading = false;
  let clips = [];
  let active = -1;
  let generation = 0; // bumps on tab switch; stale answers are dropped
  let caughtUpShown = false; // the "all caught up" banner is on a clip
  const seen = new Set();

  const io = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (e.isIntersecting && e.intersectionRatio >= 0.6) {
          const i = clips.findIndex((c) => c.el === e.target);
          if (i >= 0) activate(i);
        }
      }
    },
    { root, threshold: [0.6] },
  );

  // The active clip loads first; its neighbours' posters and first
  // segments are fetched only once it plays, so they never compete with
  // the clip being watched for the first frame.
  function activate(i) {
    if (i === active) return;
    active = i;
    const cur = clips[i];
    clips.forEach((c, j) => {
      if (Math.abs(j - i) > KEEP) detach(c.video);
      else if (j !== i && !c.video.paused) c.video.pause();
    });
    attach(cur.video, cur.v.hls_url);
    play(cur.video);
    const warm = () => {
      if (active !== i) return;
      clips.forEach((c, j) => {
        if (j === i || Math.abs(j - i) > KEEP) return;
        if (c.v.poster_url && !c.video.poster) c.video.poster = c.v.poster_url;
        attach(c.video, c.v.hls_url);
        // The next clip buffers its first segments now, so a swipe
        // starts playing at once.
        if (j === i + 1) c.video.preload = 'auto';
      });
    };
    if (!cur.video.paused && cur.video.readyState >= 3) warm();
    else cur.video.addEventListener('playing', warm, { once: true });
    if (i >= clips.length - AHEAD) loadMore();
  }

  function go(i) {
    if (i < 0 || i >= clips.length) return;
    clips[i].el.scrollIntoView({ behavior: reducedMotion() ? 'auto' : 'smooth', block: 'start' });
  }

  function status(msg, retry) {
    root.querySelector('.feed-status')?.remove();
    if (!msg) return;
    const box = h('div', { class: 'feed-status', role: 'status' }, h('p', {}, msg));
    if (retry) box.append(h('button', { type: 'button', class: 'button', onclick: retry }, t('retry')));
    if (kind === 'following' && !clips.length && !viewer()) {
      box.append(h('a', { class: 'button primary', href: '/signin?next=' + encodeURIComponent('/?kind=following') }, t('follow')));
    }
    root.append(box);
  }

  // The first page of the feed the page opened with came with the HTML.
  let inline = getBoot().feed && getBoot().feed.kind === kind ? getBoot().feed : null;

  async function loadMore() {
    if (loading || done) return;
    loading = true;
    const gen = generation;
    try {
      const r = inline || (await api('GET', `/api/v1/feed?kind=${kind}&cursor=${encodeURIComponent(cursor)}`));
      inline = null;
      if (gen !== generation) return;
      status('');
      for (const v of r.items || []) {
        if (!v || !v.id || seen.has(v.id)) continue;
        seen.add(v.id);
        const c = makeClip(v, { first: !clips.length });
        if (v.seen && !caughtUpShown && clips.length) {
          // Nothing unseen is left: say so once, on the first clip seen before.
          caughtUpShown = true;
          c.el.prepend(h('p', { class: 'caught-up-banner', role: 'status' }, t('caught_up_seen')));
        }
        clips.push(c);
        root.append(c.el);
        io.observe(c.el);
      }
      // The first clip of a fresh list is the one on screen: it starts
      // loading now, not a frame later when the observer reports it.
      if (active < 0 && clips.length && root.scrollTop === 0) activate(0);
      cursor = r.next_cursor || '';
      done = !cursor;
      if (!clips.length) {
        if (kind === 'following') status(t('empty_follow'));
        else status(r.catalogue_empty ? t('empty_foryou') : t('caught_up'));
      } else if (done) status(t('caught_up'));
      else if (active >= 0 && Math.abs(clips.length - 1 - active) <= KEEP) {
        // New clips right after the active one get their players now.
        const a = active;
        active = -1;
        activate(a);
      }
    } catch (e) {
      if (gen === generation && e.status !== 401) status(t('load_error'), () => loadMore());
    } finally {
      if (gen === generation) loading = false;
    }
  }

  function reset(newKind) {
    generation++;
    for (const c of clips) {
      io.unobserve(c.el);
      detach(c.video);
    }
    clips = [];
    seen.clear();
    active = -1;
    cursor = '';
    done = false;
    loading = false;
    kind = newKind;
    caughtUpShown = false;
    root.textContent = '';
    root.scrollTop = 0;
    loadMore();
  }

  // Tabs switch in place, keeping the URL shareable.
  for (const a of document.querySelectorAll('.tabs a[data-kind]')) {
    a.addEventListener('click', (e) => {
      const k = a.dataset.kind;
      if (k === 'following' && !viewer()) return; // the link's own page asks to sign in
      e.preventDefault();
      for (const o of document.querySelectorAll('.tabs a[data-kind]')) {
        if (o === a) o.setAttribute('aria-current', 'page');
        else o.removeAttribute('aria-current');
      }
      history.replaceState(null, '', '/?kind=' + k);
      // Remembered for the next visit (read by the server, like the language).
      document.cookie = `feed=${k}; path=/; max-age=31536000; samesite=lax`;
      reset(k);
    });
  }

  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const tgt = e.target;
    if (tgt && (tgt.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(tgt.tagName))) return;
    if (document.querySelector('dialog[open]')) return;
    const cur = clips[active];
    switch (e.key) {
      case 'ArrowDown':
      case 'j':
        e.preventDefault();
        go(active + 1);
        break;
      case 'ArrowUp':
      case 'k':
        e.preventDefault();
        go(active - 1);
        break;
      case ' ':
        if (tgt && tgt.tagName === 'BUTTON') return; // Space presses the button
        e.preventDefault();
        if (cur) togglePlay(cur.video);
        break;
      case 'm':
        setMuted(!isMuted());
        break;
      default:
    }
  });

  loadMore();
}
