// The creator studio (/studio): the signed-in person's videos in every
// state, their numbers and charts (uPlot), caption and visibility edits,
// and deletion, all through the API (GET /api/v1/studio, PATCH and
// DELETE /api/v1/videos/{id}), which alone decides whose numbers these are.
import uPlot from 'uplot';
import { api, clearErrors, showErrors } from './api.js';
import { fmtCount, getBoot, t } from './i18n.js';
import { h, toast } from './ui.js';

const enc = encodeURIComponent;
const POLL_MS = 3000;

// day is a chart's day in the page's language (31.10. or 10/31).
function day(ts) {
  return new Date(ts * 1000).toLocaleDateString(getBoot().lang, { day: 'numeric', month: 'numeric', timeZone: 'UTC' });
}

// chart draws daily series (views, and likes if given) into a figure,
// sized to it and redrawn when it resizes.
function chart(fig, days, withLikes) {
  const xs = days.map((d) => Date.parse(d.day + 'T00:00:00Z') / 1000);
  const data = [xs, days.map((d) => d.views)];
  const series = [{ label: t('studio.day'), value: (u, ts) => (ts == null ? '–' : day(ts)) }, { label: t('studio.views'), stroke: '#25f4ee', fill: 'rgba(37,244,238,.12)', width: 2 }];
  if (withLikes) {
    data.push(days.map((d) => d.likes));
    series.push({ label: t('studio.likes'), stroke: '#fe2c55', width: 2 });
  }
  const axis = { stroke: '#a1a1aa', grid: { stroke: 'rgba(255,255,255,.08)' }, ticks: { stroke: 'rgba(255,255,255,.15)' } };
  const size = () => ({ width: Math.max(240, fig.clientWidth), height: 180 });
  const plot = new uPlot({
    ...size(),
    series,
    axes: [{ ...axis, values: (u, splits) => splits.map(day) }, { ...axis, size: 40 }],
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(4, max)] } },
    legend: { show: withLikes },
    cursor: { drag: { x: false, y: false } },
  }, data, fig);
  if ('ResizeObserver' in window) new ResizeObserver(() => plot.setSize(size())).observe(fig);
  return plot;
}

function numbers(n) {
  const rows = [
    ['views', fmtCount(n.views)],
    ['likes', fmtCount(n.likes)],
    ['comments', fmtCount(n.comments)],
    ['shares', fmtCount(n.shares)],
    ['avg_watch', t('studio.seconds', (n.avg_watch_ms / 1000).toLocaleString(getBoot().lang, { maximumFractionDigits: 1 }))],
    ['completion', t('studio.percent', Math.round(n.completion_rate * 100))],
  ];
  return rows.map(([k, v]) => h('div', { class: 'studio-number', 'data-number': k }, h('dt', {}, t('studio.' + k)), h('dd', {}, v)));
}

function statusLine(sv) {
  const v = sv.video;
  const st = h('p', { class: `studio-state state-${v.status}` }, h('span', { class: 'studio-badge' }, t('studio.status_' + v.status)));
  if (v.status === 'processing' || v.status === 'uploading' || v.status === 'playable') {
    // The percent of the step under way (toward playable, then toward
    // ready), from ffmpeg's progress: a bar with its number, no spinner.
    const pct = Math.max(0, Math.min(100, v.progress || 0));
    st.append(h('progress', { class: 'studio-progress', max: '100', value: String(pct), 'aria-label': t('studio.status_' + v.status) }),
      h('span', { class: 'hint' }, t(v.status === 'playable' ? 'studio.playable_hint' : 'studio.processing_hint', pct)));
  } else if (v.status === 'held') {
    st.append(h('span', { class: 'hint' }, t('studio.held_hint')));
  } else if (v.status === 'failed' && v.error) {
    st.append(h('span', { class: 'hint' }, v.error));
  }
  return st;
}

function removal(sv) {
  const r = sv.removal;
  if (!r) return null;
  const dl = h('dl', { class: 'studio-removal-facts' });
  const add = (k, val) => val && dl.append(h('dt', {}, t('studio.' + k)), h('dd', {}, val));
  add('removal_ground', r.ground ? t('studio.ground_' + r.ground) : '');
  add('removal_category', r.category ? t('cat.' + r.category.replace(/^STATEMENT_CATEGORY_/, '')) : '');
  add('removal_date', r.at ? new Date(r.at).toLocaleDateString(getBoot().lang) : '');
  return h('div', { class: 'studio-removal', role: 'note' },
    h('p', {}, t('studio.removed_hint')),
    h('blockquote', {}, r.explanation),
    dl,
    h('p', {}, r.appealed ? t('studio.removal_appealed') : t('studio.removal_appeal'), ' ',
      r.appealed ? null : h('a', { href: '/inbox' }, t('studio.appeal'))));
}

// editor is the caption and visibility form of one video, and its
// delete button with an inline confirmation.
function editor(sv, onDeleted) {
  const v = sv.video;
  const id = 'studio-' + v.id;
  const caption = h('textarea', { id: id + '-caption', name: 'caption', rows: '2', maxlength: '2200' });
  caption.value = v.caption || '';
  const vis = h('select', { id: id + '-visibility', name: 'visibility' },
    ['public', 'followers', 'private'].map((o) => h('option', { value: o, selected: o === v.visibility }, t('studio.' + o))));
  const save = h('button', { type: 'submit', class: 'primary' }, t('studio.save'));
  const del = h('button', { type: 'button', class: 'danger studio-delete' }, t('studio.delete'));
  const yes = h('button', { type: 'button', class: 'danger studio-delete-yes' }, t('studio.delete_yes'));
  const no = h('button', { type: 'button', class: 'studio-delete-no' }, t('studio.cancel'));
  const confirm = h('div', { class: 'studio-confirm', role: 'alertdialog', 'aria-label': t('studio.delete'), hidden: true },
    h('p', {}, t('studio.delete_confirm')), yes, no);
  const form = h('form', { class: 'api-form studio-edit', novalidate: true },
    h('label', { for: caption.id }, t('studio.caption')), caption,
    h('p', { class: 'form-error', 'data-error-for': 'caption', role: 'alert' }),
    h('label', { for: vis.id }, t('studio.visibility')), vis,
    h('p', { class: 'form-error', 'data-error-for': 'visibility', role: 'alert' }),
    h('p', { class: 'form-error', 'data-error-for': '', role: 'alert' }),
    h('div', { class: 'studio-buttons' }, save, del), confirm);
  if (v.status === 'removed') {
    caption.disabled = true;
    vis.disabled = true;
    save.hidden = true;
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    save.disabled = true;
    try {
      const r = await api('PATCH', `/api/v1/videos/${enc(v.id)}`, { caption: caption.value, visibility: vis.value });
      Object.assign(v, r);
      toast(t('studio.saved'));
    } catch (err) {
      if (err.status !== 401) showErrors(form, err);
    } finally {
      save.disabled = false;
    }
  });
  del.addEventListener('click', () => {
    confirm.hidden = false;
    yes.focus();
  });
  no.addEventListener('click', () => {
    confirm.hidden = true;
    del.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      await api('DELETE', `/api/v1/videos/${enc(v.id)}`);
      toast(t('studio.deleted'));
      onDeleted();
    } catch (err) {
      if (err.status !== 401) showErrors(form, err);
      yes.disabled = false;
    }
  });
  return form;
}

function videoCard(sv, onDeleted) {
  const v = sv.video;
  const poster = v.poster_url
    ? h('a', { href: '/v/' + enc(v.id), class: 'studio-poster', 'aria-label': t('studio.open') }, h('img', { src: v.poster_url, alt: '', loading: 'lazy' }))
    : h('span', { class: 'studio-poster blank' }, t('studio.no_poster'));
  const nums = h('dl', { class: 'studio-numbers small' }, numbers(sv.numbers));
  const fig = h('figure', { class: 'studio-chart' }, h('figcaption', {}, t('studio.per_day')));
  const more = h('details', { class: 'studio-more' }, h('summary', {}, t('studio.show_numbers')), fig);
  let drawn = false;
  more.addEventListener('toggle', () => {
    if (more.open && !drawn) {
      drawn = true;
      chart(fig, sv.days, true);
    }
  });
  const shown = v.status === 'ready' || v.status === 'playable';
  const li = h('li', { class: 'studio-video', 'data-id': v.id },
    poster,
    h('div', { class: 'studio-body' }, statusLine(sv), removal(sv), editor(sv, () => onDeleted(li)),
      shown ? nums : null, shown ? more : null));
  return li;
}

export async function initStudio() {
  const list = document.querySelector('[data-videos]');
  const status = document.querySelector('.studio-status');
  const totals = document.querySelector('[data-totals]');
  const fig = document.querySelector('[data-chart="totals"]');
  if (!list) return;
  let plot = null;
  let shown = ''; // the videos and states on the page, so a poll that finds them unchanged keeps edits in progress
  const load = async () => {
    let st;
    try {
      st = await api('GET', '/api/v1/studio');
    } catch (err) {
      status.textContent = err.message || t('error');
      return;
    }
    const sig = st.videos.map((sv) => sv.video.id + ':' + sv.video.status).join(',');
    const poll = st.videos.some((sv) => ['processing', 'uploading', 'playable'].includes(sv.video.status));
    if (poll) setTimeout(load, POLL_MS);
    if (sig === shown) return;
    shown = sig;
    totals.replaceChildren(...numbers(st.totals));
    if (plot) plot.destroy();
    plot = chart(fig, st.days, false);
    const removeCard = (li) => {
      li.remove();
      shown = '';
      load();
    };
    list.replaceChildren(...st.videos.map((sv) => videoCard(sv, removeCard)));
    status.replaceChildren();
    if (!st.videos.length) {
      status.append(t('studio.none'), ' ', h('a', { href: '/upload' }, t('studio.upload')));
    }
  };
  await load();
}
