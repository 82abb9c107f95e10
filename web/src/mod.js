// Moderator pages (queue, item with the decision form, audit log) and the
// public transparency table. Everything shown comes from the JSON API and
// goes into the page as text (textContent via h()), never as markup; the
// API decides who may see what (region-scoped staff roles).
import { api, clearErrors, showErrors } from './api.js';
import { getBoot, t } from './i18n.js';
import { attach } from './player.js';
import { h, toast } from './ui.js';

const enc = encodeURIComponent;

function region() {
  return getBoot().region || '';
}

// status writes a line into the page's status slot ('' hides it).
function status(msg) {
  const el = document.querySelector('.mod-status');
  if (!el) return;
  el.textContent = msg || '';
  el.hidden = !msg;
}

// problem explains an API error in the moderator's language where we know
// the case, else shows the API's own message. On the region-wide pages a
// 404 means the region is not hosted by this server (staff work on a
// region's data only in that region).
function problem(err, regionWide = false) {
  switch (err.status) {
    case 403:
      // On an item: no staff role, or a conflict of interest the API names;
      // anywhere: a staff member who has not signed in with a second factor.
      if (err.field === 'second_factor') return err.message;
      return regionWide || !err.message ? t('mod_forbidden') : err.message;
    case 404:
      return regionWide ? t('mod_not_here') : err.message || t('error');
    case 409:
      return t('mod_conflict') + (err.message ? ` (${err.message})` : '');
    case 0:
      return t('load_error');
    default:
      return err.message || t('error');
  }
}

function values(form) {
  const out = {};
  for (const [k, v] of new FormData(form)) out[k] = typeof v === 'string' ? v : '';
  return out;
}

function submitting(form, on) {
  for (const b of form.querySelectorAll('button[type=submit]')) b.disabled = on;
  form.setAttribute('aria-busy', String(on));
}

// --- formatting -----------------------------------------------------------

function date(s) {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) || d.getFullYear() < 1971 ? null : d;
}

function fmtTime(s) {
  const d = date(s);
  if (!d) return '';
  try {
    return new Intl.DateTimeFormat(getBoot().lang, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
  } catch {
    return d.toISOString();
  }
}

// ago is "5 minutes ago" in the page language.
function ago(s) {
  const d = date(s);
  if (!d) return '';
  const secs = Math.round((d.getTime() - Date.now()) / 1000);
  const steps = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [30, 'day'],
    [12, 'month'],
    [Infinity, 'year'],
  ];
  let v = secs;
  for (const [n, unit] of steps) {
    if (Math.abs(v) < n) {
      try {
        return new Intl.RelativeTimeFormat(getBoot().lang, { numeric: 'auto' }).format(v, unit);
      } catch {
        return `${v} ${unit}`;
      }
    }
    v = Math.round(v / n);
  }
  return '';
}

// category names a DSA statement category in the page language.
function category(code) {
  const short = String(code || '').replace(/^STATEMENT_CATEGORY_/, '');
  const key = 'cat.' + short;
  return getBoot().t[key] !== undefined ? t(key) : short;
}

// code makes a DSA enumeration value readable: DECISION_VISIBILITY_CONTENT_REMOVED → content removed.
function code(v, prefix) {
  return String(v || '')
    .replace(prefix, '')
    .replace(/_/g, ' ')
    .toLowerCase();
}

function kindLabel(k) {
  return k === 'appeal' ? t('mod_kind_appeal') : k === 'hold' ? t('mod_kind_hold') : t('mod_kind_notice');
}

function statusLabel(s) {
  const key = 'mod_status_' + s;
  return getBoot().t[key] !== undefined ? t(key) : s;
}

// actionLabel reuses the decision form's option text where the page has it.
function actionLabel(a) {
  const opt = document.querySelector(`#decide-form option[value="${CSS.escape(a)}"]`);
  return opt ? opt.textContent : a;
}

// groundLabel reuses the decision form's radio label text.
function groundLabel(g) {
  const input = document.querySelector(`#decide-form input[name=ground][value="${CSS.escape(g)}"]`);
  const label = input && input.closest('label');
  return label ? label.textContent.trim() : g;
}

function itemURL(id) {
  return `/mod/item/${enc(region())}/${enc(id)}`;
}

// --- region select ----------------------------------------------------------

// wireRegionPick submits the region select on change and adds the regions
// this server hosts (GET /api/v1/regions) to the configured list.
function wireRegionPick() {
  const form = document.querySelector('form.regionpick');
  const select = form && form.querySelector('select[name=region]');
  if (!select) return;
  select.addEventListener('change', () => form.submit());
  api('GET', '/api/v1/regions', undefined, { redirectOn401: false })
    .then((r) => {
      const have = new Set([...select.options].map((o) => o.value));
      for (const name of Object.keys((r && r.regions) || {}).sort()) {
        if (!have.has(name) && /^[a-z][a-z0-9]{1,15}$/.test(name)) select.append(h('option', { value: name }, name));
      }
    })
    .catch(() => {});
}

// --- queue ------------------------------------------------------------------

export function initModQueue() {
  wireRegionPick();
  const table = document.querySelector('table.queue');
  const body = table && table.querySelector('tbody');
  const more = document.querySelector('.mod-more');
  if (!body) return;
  let next = '';
  function row(it) {
    // A moderator involved in an item (their own content, notice or
    // decision) sees why instead of a claim button; another one takes it.
    const open = it.conflict_of_interest
      ? h('span', { class: 'sub conflict' }, t('mod_conflict_of_interest', it.conflict_of_interest))
      : h('a', { class: 'button primary small', href: itemURL(it.id) }, t('mod_claim'));
    const state = [statusLabel(it.status)];
    if (it.status === 'claimed' && it.claim_expires_at) state.push(h('span', { class: 'sub' }, t('mod_claimed_until', fmtTime(it.claim_expires_at))));
    if (it.status === 'waiting' && it.waiting) state.push(h('span', { class: 'sub' }, it.waiting));
    return h(
      'tr',
      { class: `status-${['claimed', 'decided', 'waiting'].includes(it.status) ? it.status : 'open'}` },
      h('td', {}, h('span', { class: `badge kind-${it.kind === 'appeal' ? 'appeal' : 'notice'}` }, kindLabel(it.kind))),
      h('td', {}, category(it.category), h('span', { class: 'sub' }, it.target_type || '')),
      h('td', { class: 'num' }, String(it.reports ?? '')),
      h('td', { class: 'num' }, String(it.priority ?? '')),
      h('td', {}, ...state),
      h('td', {}, h('time', { datetime: it.created_at, title: fmtTime(it.created_at) }, ago(it.created_at))),
      h('td', {}, open),
    );
  }
  async function load(append) {
    status(t('mod_loading'));
    try {
      const qs = append && next ? '?cursor=' + enc(next) : '';
      const r = await api('GET', `/api/v1/moderation/${enc(region())}/queue${qs}`);
      const items = (r && r.items) || [];
      next = (r && r.next_cursor) || '';
      if (append) body.append(...items.map(row));
      else body.replaceChildren(...items.map(row));
      if (more) more.hidden = !next;
      table.hidden = body.children.length === 0;
      status(body.children.length ? '' : t('mod_empty'));
    } catch (err) {
      if (!append) table.hidden = true;
      if (err.status !== 401) status(problem(err, true));
    }
  }
  const refresh = document.querySelector('.mod-refresh');
  if (refresh) refresh.addEventListener('click', () => load(false));
  if (more) more.addEventListener('click', () => load(true));
  load(false);
}

// --- item ---------------------------------------------------------------------

function showContent(box, view) {
  const v = view.video;
  const c = view.comment;
  const it = view.item || {};
  if (v) {
    const handle = (v.creator && v.creator.handle) || '';
    const parts = [];
    if (v.hls_url && (v.status === 'ready' || v.status === 'playable')) {
      const video = h('video', {
        class: 'mod-video',
        controls: true,
        playsinline: true,
        muted: true,
        preload: 'metadata',
        poster: v.poster_url || undefined,
        'aria-label': t('video_of', handle),
      });
      video.muted = true;
      parts.push(video);
      attach(video, v.hls_url);
    } else if (v.poster_url) {
      parts.push(h('img', { class: 'mod-poster', src: v.poster_url, alt: t('video_of', handle) }));
    }
    parts.push(h('p', { class: 'handle' }, '@' + handle, ' · ', v.status || ''));
    parts.push(h('p', { class: 'caption' }, v.caption || ''));
    if (v.id) parts.push(h('p', { class: 'sub' }, h('a', { href: '/v/' + enc(v.id) }, v.id)));
    box.replaceChildren(...parts);
  } else if (c) {
    const handle = (c.author && c.author.handle) || '';
    box.replaceChildren(h('p', { class: 'sub' }, t('mod_comment_by', handle)), h('blockquote', { class: 'comment-text' }, c.text || ''));
  } else if (it.target_type === 'account') {
    box.replaceChildren(h('p', {}, t('mod_account', it.target_id || '')));
  } else {
    box.replaceChildren(h('p', { class: 'notice' }, t('mod_gone')));
  }
}

function fill(root, name, text) {
  const el = root.querySelector(`[data-field="${name}"]`);
  if (el) el.textContent = text;
}

// showStatement lists a statement of reasons under its DSA field names.
function showStatement(st) {
  const sec = document.querySelector('.statement');
  const dl = sec && sec.querySelector('dl');
  if (!dl) return;
  const rows = [];
  for (const [k, v] of Object.entries(st || {})) {
    if (v === '' || v === null || v === undefined) continue;
    rows.push(h('dt', {}, k), h('dd', {}, Array.isArray(v) ? v.join(', ') : String(v)));
  }
  dl.replaceChildren(...rows);
  sec.hidden = false;
  sec.focus();
}

export async function initModItem() {
  const boot = getBoot();
  const grid = document.querySelector('.mod-grid');
  const form = document.getElementById('decide-form');
  if (!grid || !form || !boot.item) return;
  status(t('mod_loading'));
  let view;
  try {
    view = await api('POST', `/api/v1/moderation/${enc(region())}/items/${enc(boot.item)}/claim`);
  } catch (err) {
    if (err.status !== 401) status(problem(err));
    return;
  }
  status('');
  const it = (view && view.item) || {};
  grid.hidden = false;
  showContent(grid.querySelector('.mod-content'), view);
  fill(grid, 'kind', kindLabel(it.kind) + (it.appeal_of ? ' · ' + t('mod_appeal_of', it.appeal_of) : ''));
  fill(grid, 'category', category(it.category));
  fill(grid, 'reports', String(it.reports ?? ''));
  fill(grid, 'priority', String(it.priority ?? ''));
  fill(grid, 'target', `${it.target_type || ''} ${it.target_id || ''}`.trim());
  fill(grid, 'created', fmtTime(it.created_at));
  fill(grid, 'claim', it.claim_expires_at ? t('mod_claimed_until', fmtTime(it.claim_expires_at)) : '');
  const expl = grid.querySelector('.mod-explanation');
  expl.textContent = it.explanation || t('mod_no_explanation');

  const prior = grid.querySelector('.prior');
  const decisions = (view && view.prior_decisions) || [];
  prior.replaceChildren(
    ...(decisions.length
      ? decisions.map((d) =>
          h(
            'li',
            {},
            h('strong', {}, actionLabel(d.action)),
            ' · ',
            groundLabel(d.ground || 'terms'),
            d.ground === 'illegal' && d.legal_ground ? ` (${d.legal_ground})` : '',
            ' · ',
            h('time', { datetime: d.created_at }, fmtTime(d.created_at)),
            h('span', { class: 'sub' }, d.id || ''),
            h('p', { class: 'prior-text' }, d.explanation || ''),
          ),
        )
      : [h('li', { class: 'sub' }, t('mod_no_prior'))]),
  );

  // Release gives the item back to the queue for another moderator.
  const release = document.querySelector('.mod-release');
  if (release) {
    release.hidden = false;
    release.addEventListener('click', async () => {
      release.disabled = true;
      try {
        await api('POST', `/api/v1/moderation/${enc(region())}/items/${enc(boot.item)}/release`, {});
        toast(t('mod_released'));
        location.href = `/mod?region=${enc(region())}`;
      } catch (err) {
        release.disabled = false;
        if (err.status !== 401) status(problem(err));
      }
    });
  }

  // The form: notices get the full action list and ground; appeals only
  // uphold or reverse (the ground stays the original decision's).
  const appeal = it.kind === 'appeal';
  const active = form.querySelector(appeal ? '.for-appeal' : '.for-notice');
  active.hidden = false;
  active.disabled = false;
  const legal = form.querySelector('.legal-ground');
  const endDate = form.querySelector('.end-date');
  const block = form.querySelector('.block-media');
  function sync() {
    if (appeal) return;
    const v = values(form);
    legal.hidden = v.ground !== 'illegal';
    endDate.hidden = v.action !== 'suspend';
    block.hidden = !(it.target_type === 'video' && (v.action === 'remove' || v.action === 'terminate'));
  }
  form.addEventListener('change', sync);
  sync();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const v = values(form);
    const body = { action: v.action || '', explanation: v.explanation || '', facts: v.facts || '' };
    if (!appeal) {
      Object.assign(body, {
        ground: v.ground || 'terms',
        legal_ground: v.ground === 'illegal' ? v.legal_ground || '' : '',
        territorial_scope: (v.territorial_scope || '').toUpperCase().split(/[\s,;]+/).filter(Boolean).join(' '),
        end_date: v.action === 'suspend' ? v.end_date || '' : '',
        block_media: !block.hidden && v.block_media === '1',
      });
    }
    submitting(form, true);
    try {
      const st = await api('POST', `/api/v1/moderation/${enc(region())}/items/${enc(boot.item)}/decide`, body);
      form.hidden = true;
      if (release) release.hidden = true;
      toast(t('mod_decided'));
      showStatement(st);
    } catch (err) {
      if (err.status === 409 || err.status === 403) {
        const slot = form.querySelector('[data-error-for=""]');
        if (slot) slot.textContent = problem(err);
      } else if (err.status !== 401) {
        showErrors(form, err);
      }
    } finally {
      submitting(form, false);
    }
  });
}

// --- audit --------------------------------------------------------------------

export function initModAudit() {
  wireRegionPick();
  const table = document.querySelector('table.audit');
  const body = table && table.querySelector('tbody');
  const badge = document.querySelector('.badge.verify');
  if (!body) return;
  async function load() {
    status(t('mod_loading'));
    const subject = new URLSearchParams(location.search).get('subject') || '';
    try {
      const r = await api('GET', `/api/v1/admin/regions/${enc(region())}/audit` + (subject ? '?subject=' + enc(subject) : ''));
      const entries = (r && r.entries) || [];
      // Newest first: the latest looks matter most.
      entries.sort((a, b) => (b.seq || 0) - (a.seq || 0));
      body.replaceChildren(
        ...entries.map((en) =>
          h(
            'tr',
            {},
            h('td', { class: 'num' }, String(en.seq ?? '')),
            h('td', {}, h('time', { datetime: en.at }, fmtTime(en.at))),
            h('td', { class: 'id' }, en.actor_id || ''),
            h('td', { class: 'id' }, en.subject_id || ''),
            h('td', {}, en.action || ''),
            h('td', {}, en.fields || ''),
            h('td', { class: 'reason' }, en.reason || ''),
          ),
        ),
      );
      table.hidden = entries.length === 0;
      badge.hidden = false;
      badge.classList.toggle('ok', !!r.verified);
      badge.classList.toggle('bad', !r.verified);
      badge.textContent = r.verified ? '✓ ' + t('mod_verified', r.verified_entries ?? 0) : '✗ ' + t('mod_broken', r.verified_entries ?? 0);
      status(entries.length ? '' : t('mod_no_entries'));
    } catch (err) {
      table.hidden = true;
      badge.hidden = true;
      if (err.status !== 401) status(problem(err, true));
    }
  }
  const refresh = document.querySelector('.mod-refresh');
  if (refresh) refresh.addEventListener('click', load);
  load();

  const grant = document.getElementById('grant-form');
  if (grant) {
    grant.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(grant);
      const v = values(grant);
      const handle = (v.handle || '').trim().replace(/^@/, '');
      if (!handle) {
        showErrors(grant, { field: 'handle', message: t('mod_need_handle') });
        return;
      }
      submitting(grant, true);
      try {
        await api('POST', `/api/v1/admin/regions/${enc(region())}/roles`, { handle, role: v.role || 'moderator' });
        toast(t('mod_granted'));
        grant.reset();
        load();
      } catch (err) {
        if (err.status === 403) showErrors(grant, { field: '', message: problem(err) });
        else if (err.status !== 401) showErrors(grant, err);
      } finally {
        submitting(grant, false);
      }
    });
  }

  const form = document.getElementById('personal-form');
  const result = document.querySelector('.personal-result');
  if (!form || !result) return;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    result.hidden = true;
    const v = values(form);
    const handle = (v.handle || '').trim().replace(/^@/, '');
    if (!handle) {
      showErrors(form, { field: 'handle', message: t('mod_need_handle') });
      return;
    }
    submitting(form, true);
    try {
      const p = await api('POST', `/api/v1/admin/regions/${enc(region())}/people/${enc(handle)}/personal`, { reason: v.reason || '' });
      for (const k of ['id', 'handle', 'email', 'country']) fill(result, k, (p && p[k]) || '');
      result.hidden = false;
      toast(t('mod_looked'));
      load();
    } catch (err) {
      if (err.status === 403) showErrors(form, { field: '', message: problem(err) });
      else if (err.status !== 401) showErrors(form, err);
    } finally {
      submitting(form, false);
    }
  });
}

// --- transparency -------------------------------------------------------------

export async function initTransparency() {
  const table = document.querySelector('table.statements');
  const body = table && table.querySelector('tbody');
  if (!body) return;
  const q = new URLSearchParams(location.search);
  const params = new URLSearchParams();
  for (const k of ['from', 'to']) {
    const v = q.get(k) || '';
    if (/^\d{4}-\d{2}-\d{2}$/.test(v)) params.set(k, v);
  }
  const more = document.querySelector('.transparency-more');
  let next = '';
  function row(st) {
    return h(
      'tr',
      {},
      h('td', {}, st.application_date || ''),
      h('td', {}, category(st.category)),
      h(
        'td',
        {},
        st.decision_visibility ? code(st.decision_visibility, /^DECISION_VISIBILITY_/) : code(st.decision_account, /^DECISION_ACCOUNT_/),
        st.appeal_of ? h('span', { class: 'sub' }, t('mod_appeal_of', st.appeal_of)) : null,
      ),
      h('td', {}, code(st.decision_ground, /^DECISION_GROUND_/)),
      h('td', {}, (st.content_type || []).map((c) => code(c, /^CONTENT_TYPE_/)).join(', ')),
      h('td', {}, (st.territorial_scope || []).join(' ')),
      h('td', {}, code(st.automated_decision, /^AUTOMATED_DECISION_/), ' · ', String(st.automated_detection || '')),
      h('td', { class: 'id' }, st.puid || ''),
    );
  }
  // The export pages oldest first with a cursor; each page is appended.
  async function load() {
    status(t('mod_loading'));
    try {
      const p = new URLSearchParams(params);
      if (next) p.set('cursor', next);
      const qs = p.toString();
      const r = await api('GET', '/api/v1/transparency/statements' + (qs ? '?' + qs : ''), undefined, { redirectOn401: false });
      const list = (r && r.statements) || [];
      next = (r && r.next_cursor) || '';
      body.append(...list.map(row));
      if (more) more.hidden = !next;
      table.hidden = body.children.length === 0;
      status(body.children.length ? '' : t('mod_no_statements'));
    } catch (err) {
      status(problem(err));
    }
  }
  if (more) more.addEventListener('click', load);
  await load();
}
