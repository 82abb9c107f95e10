// The search page (search as one types, tabs for videos, people and
// hashtags) and the Discover page. Results come from the API of the
// region answering; the query stays in this page and its requests.
import { api } from './api.js';
import { safeHandle } from './caption.js';
import { fmtCount, t } from './i18n.js';
import { h } from './ui.js';
import { soundName } from './sound.js';

export function tile(v) {
  return h(
    'li',
    {},
    h(
      'a',
      { href: '/v/' + encodeURIComponent(v.id), class: 'tile' },
      v.poster_url ? h('img', { src: v.poster_url, alt: (v.caption || '').slice(0, 120), loading: 'lazy' }) : h('span', { class: 'tile-blank' }),
      h('span', { class: 'tile-views' }, '@' + safeHandle(v.creator && v.creator.handle)),
    ),
  );
}

function person(p) {
  const handle = safeHandle(p.handle);
  return h(
    'li',
    {},
    h('a', { href: '/@' + handle, class: 'result-person' }, h('span', { class: 'avatar small', 'aria-hidden': 'true' }, handle.slice(0, 1).toUpperCase()), h('span', {}, p.display_name || handle, ' ', h('span', { class: 'muted' }, '@' + handle))),
  );
}

function tag(tg) {
  return h('li', {}, h('a', { href: '/tag/' + encodeURIComponent(tg.tag), class: 'result-tag' }, '#' + tg.tag, ' ', h('span', { class: 'muted' }, t('search.videos', fmtCount(tg.videos)))));
}

export function initSearch() {
  const input = document.getElementById('search-q');
  const results = document.querySelector('.search-results');
  const tabs = [...document.querySelectorAll('.search-tabs [role=tab]')];
  if (!input || !results) return;
  const params = new URLSearchParams(location.search);
  let type = ['videos', 'people', 'tags'].includes(params.get('type')) ? params.get('type') : 'videos';
  input.value = params.get('q') || '';
  let seq = 0;
  let timer;

  async function run(cursor) {
    const q = input.value.trim();
    const mine = ++seq;
    const url = new URL(location.href);
    url.search = q ? new URLSearchParams({ q, type }).toString() : '';
    history.replaceState(null, '', url);
    if (!q) {
      results.replaceChildren();
      return;
    }
    let page;
    try {
      page = await api('GET', '/api/v1/search?' + new URLSearchParams({ q, type, cursor: cursor || '' }), undefined, { redirectOn401: false });
    } catch (e) {
      if (mine === seq) results.replaceChildren(h('p', { class: 'notice' }, e.message));
      return;
    }
    if (mine !== seq) return; // a later keystroke's answer wins
    const items = page.items || [];
    const render = type === 'videos' ? tile : type === 'people' ? person : tag;
    let list = cursor && results.querySelector('ul');
    if (!list) {
      list = h('ul', { class: type === 'videos' ? 'grid' : 'result-list', 'data-type': type });
      results.replaceChildren(list);
    }
    list.append(...items.map(render));
    results.querySelector('.more')?.remove();
    if (!list.children.length) results.replaceChildren(h('p', { class: 'notice' }, t('search.none')));
    if (page.next_cursor) {
      results.append(h('button', { type: 'button', class: 'more', onclick: () => run(page.next_cursor) }, t('search.more')));
    }
  }

  function select(next) {
    type = next;
    for (const b of tabs) b.setAttribute('aria-selected', String(b.dataset.type === type));
    run();
  }
  for (const b of tabs) b.addEventListener('click', () => select(b.dataset.type));
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(), 120);
  });
  input.form.addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  select(type);
}

export async function initDiscover() {
  let data;
  try {
    data = await api('GET', '/api/v1/discover', undefined, { redirectOn401: false });
  } catch (e) {
    return;
  }
  for (const box of document.querySelectorAll('.trends[data-list]')) {
    const trends = data[box.dataset.list] || [];
    if (!trends.length) {
      box.replaceChildren(h('p', { class: 'notice' }, t('discover.none')));
      continue;
    }
    box.replaceChildren(
      ...trends.map((tr) =>
        h(
          'section',
          { class: 'trend' },
          h('h3', {}, tr.sound ? h('a', { href: '/sound/' + encodeURIComponent(tr.sound.id) }, '♪ ' + soundName(tr.sound)) : h('a', { href: '/tag/' + encodeURIComponent(tr.tag) }, '#' + tr.tag)),
          h('ul', { class: 'grid' }, ...(tr.videos || []).map(tile)),
        ),
      ),
    );
  }
}

// initRemixActions fills a public video page's remix links from the
// video's record: use its sound, duet or stitch it (if its creator allows),
// its sound's page, and the video it was made from.
export async function initRemixActions() {
  const nav = document.querySelector('.remix-actions[data-id]');
  if (!nav) return;
  let v;
  try {
    v = await api('GET', '/api/v1/videos/' + encodeURIComponent(nav.dataset.id), undefined, { redirectOn401: false });
  } catch {
    return;
  }
  const up = (kind) => '/upload?' + new URLSearchParams({ remix: kind, of: v.id });
  const links = [h('a', { href: up('sound'), class: 'button remix-sound' }, t('remix.sound'))];
  if (v.allow && v.allow.duet) links.push(h('a', { href: up('duet'), class: 'button remix-duet' }, t('remix.duet')));
  if (v.allow && v.allow.duet) links.push(h('a', { href: up('duet') + '&layout=top', class: 'button remix-duet-top' }, t('sound.duet_top')));
  if (v.allow && v.allow.stitch) links.push(h('a', { href: up('stitch'), class: 'button remix-stitch' }, t('remix.stitch')));
  if (v.allow && v.allow.download) links.push(h('a', { href: '/api/v1/videos/' + encodeURIComponent(v.id) + '/download', download: '', class: 'button remix-download' }, t('remix.download')));
  if (v.sound) links.push(h('a', { href: '/sound/' + encodeURIComponent(v.sound), class: 'remix-soundpage' }, '♪ ' + t('remix.listen', '@' + safeHandle(v.creator && v.creator.handle))));
  if (v.remix && v.remix.of) links.push(h('a', { href: '/v/' + encodeURIComponent(v.remix.of), class: 'remix-of' }, t('remix.of')));
  nav.replaceChildren(...links);
}
