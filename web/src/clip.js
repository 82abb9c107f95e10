// One clip: the video, tap to unmute / pause, the mute toggle, the view
// beacon, and the caption and action overlay.
import { buildActions } from './actions.js';
import { beacon } from './api.js';
import { renderCaption, safeHandle } from './caption.js';
import { t } from './i18n.js';
import { icon } from './icons.js';
import { h } from './ui.js';

// Sound is one setting for the whole page: unmuting one clip unmutes the
// next ones too (after the first tap, which browsers require).
const sound = { muted: true, listeners: new Set() };

export function isMuted() {
  return sound.muted;
}

export function setMuted(m) {
  sound.muted = m;
  for (const fn of sound.listeners) fn();
}

const viewed = new Set(); // video IDs whose view was counted on this page load
const VIEW_AFTER_S = 2;

// trackViews posts one view per video per page load once it has played
// for two seconds (summed, so seeking or looping does not count), and
// then once the watch: its time when the viewer leaves the clip (pause,
// another clip, another page), or that it reached the end (its first
// loop). The server counts each once per viewer and day.
function trackViews(video, id) {
  let played = 0;
  let last = null;
  let reported = false;
  const url = `/api/v1/videos/${encodeURIComponent(id)}/view`;
  const report = (completed) => {
    if (reported || !viewed.has(id)) return;
    reported = true;
    beacon(url, { watch_ms: Math.round(played * 1000), completed });
  };
  video.addEventListener('timeupdate', () => {
    const now = video.currentTime;
    if (last !== null && !video.paused) {
      const d = now - last;
      if (d > 0 && d < 1) played += d;
      // A loop: from the last half second back to the start.
      if (d < 0 && video.duration && last > video.duration - 0.6 && now < 0.6) report(true);
    }
    last = now;
    if (played >= VIEW_AFTER_S && !viewed.has(id)) {
      viewed.add(id);
      beacon(url);
    }
  });
  video.addEventListener('seeking', () => {
    last = null;
  });
  video.addEventListener('pause', () => report(false));
  window.addEventListener('pagehide', () => report(false));
}

// progressBar is the thin bar at the bottom of a playing clip.
function progressBar(video) {
  const fill = h('span', { class: 'clip-progress-fill' });
  const bar = h('div', { class: 'clip-progress', 'aria-hidden': 'true' }, fill);
  const draw = () => {
    const f = video.duration ? Math.min(1, video.currentTime / video.duration) : 0;
    fill.style.transform = `scaleX(${f})`;
  };
  video.addEventListener('timeupdate', draw);
  video.addEventListener('seeked', draw);
  return bar;
}

// DOUBLE_TAP_MS is the longest gap between the taps of a double tap.
const DOUBLE_TAP_MS = 300;

// likeBurst likes the clip (once; a second double tap keeps the like)
// and shows a heart where the viewer tapped. A double click may arrive as
// both clicks and a dblclick: the like is asked for once.
function likeBurst(section, e) {
  const like = section.querySelector('.act.like');
  if (like && like.getAttribute('aria-pressed') !== 'true') like.click();
  if (section.querySelector('.tap-heart')) return;
  const rect = section.getBoundingClientRect();
  const heart = h('span', { class: 'tap-heart', 'aria-hidden': 'true' }, icon('heart'));
  heart.style.left = `${e.clientX - rect.left}px`;
  heart.style.top = `${e.clientY - rect.top}px`;
  section.append(heart);
  setTimeout(() => heart.remove(), 800);
}

// whyText explains a feed's reason code (DSA Art. 27).
function whyText(why) {
  const key = 'why_' + why.code;
  const s = t(key, why.detail || '');
  return s === key ? '' : s;
}

// makeClip builds a feed clip for a video in the API's JSON shape. Only
// the first clip of a page gets its poster at once; the others get theirs
// when the clip before them plays (feed.js), so a cold visit spends its
// bytes on the first frame.
export function makeClip(v, opts = {}) {
  const handle = safeHandle(v.creator && v.creator.handle);
  const video = h('video', {
    class: 'clip-video' + (v.width > v.height ? ' landscape' : ''),
    playsinline: true,
    loop: true,
    muted: true,
    preload: 'none',
    poster: (opts.first && v.poster_url) || undefined,
    'aria-label': t('video_of', handle),
  });
  const caption = h('p', { class: 'caption' });
  renderCaption(caption, v.caption);
  const meta = h('div', { class: 'meta' }, h('a', { class: 'handle', href: '/@' + handle }, '@' + handle), caption);
  if (v.seen) meta.prepend(h('span', { class: 'seen-badge' }, t('seen')));
  if (v.why && whyText(v.why)) {
    const text = h('p', { class: 'why-text', hidden: true },
      whyText(v.why) + ' ', h('a', { href: '/settings' }, t('why_settings')));
    const btn = h('button', { type: 'button', class: 'link-button why', 'aria-expanded': 'false' }, t('why'));
    btn.addEventListener('click', (e) => {
      e.stopPropagation();
      text.hidden = !text.hidden;
      btn.setAttribute('aria-expanded', String(!text.hidden));
    });
    meta.append(btn, text);
  }
  const section = h('section', { class: 'clip', 'data-id': v.id, 'aria-label': t('video_of', handle) }, video, meta);
  wireClip(section, video, v);
  return { el: section, video, v };
}

// wireClip adds the controls to a clip whose <video> exists (feed clips
// and the server-rendered video page).
export function wireClip(section, video, v) {
  video.muted = sound.muted;
  const mute = h('button', { type: 'button', class: 'mute-toggle' });
  const unmuteHint = h('button', { type: 'button', class: 'unmute-hint' }, icon('muted'), t('unmute'));
  const pausedMark = h('div', { class: 'paused-mark', 'aria-hidden': 'true', hidden: true }, icon('play'));
  const renderSound = () => {
    video.muted = sound.muted;
    mute.replaceChildren(icon(sound.muted ? 'muted' : 'sound'));
    mute.setAttribute('aria-label', sound.muted ? t('sound_on') : t('mute'));
    mute.setAttribute('aria-pressed', String(sound.muted));
    unmuteHint.hidden = !sound.muted;
  };
  sound.listeners.add(renderSound);
  renderSound();
  mute.addEventListener('click', (e) => {
    e.stopPropagation();
    setMuted(!sound.muted);
  });
  unmuteHint.addEventListener('click', (e) => {
    e.stopPropagation();
    setMuted(false);
  });
  // Tap: the first unmutes, later ones pause and play; a double tap
  // likes (and leaves the clip playing).
  let tapTimer = null;
  const doubleTap = (e) => {
    clearTimeout(tapTimer);
    tapTimer = null;
    likeBurst(section, e);
  };
  video.addEventListener('dblclick', doubleTap);
  video.addEventListener('click', (e) => {
    if (tapTimer || e.detail >= 2) {
      doubleTap(e);
      return;
    }
    tapTimer = setTimeout(() => {
      tapTimer = null;
      if (sound.muted) setMuted(false);
      else togglePlay(video);
    }, DOUBLE_TAP_MS);
  });
  video.addEventListener('pause', () => {
    pausedMark.hidden = false;
  });
  video.addEventListener('play', () => {
    pausedMark.hidden = true;
  });
  trackViews(video, v.id);
  section.append(mute, unmuteHint, pausedMark, buildActions(v), progressBar(video));
}

export function togglePlay(video) {
  if (video.paused) video.play().catch(() => {});
  else video.pause();
}

// play starts a clip; if the browser refuses (autoplay rules), it shows
// the paused mark so a tap starts it.
export function play(video) {
  video.muted = sound.muted;
  const p = video.play();
  if (p) p.catch(() => {});
}
