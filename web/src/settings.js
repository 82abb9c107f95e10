// The settings page: names, email, password, sessions, privacy switches,
// data export and account deletion, each a form that calls the API. Field
// errors are checked here first and shown all at once next to their
// fields, in the page's language; the API's answer is shown the same way
// (its known errors in the page's language, others as the API says them).
import { api, clearErrors } from './api.js';
import { getBoot, t } from './i18n.js';
import { h, toast } from './ui.js';

function field(form, name) {
  return form.elements.namedItem(name);
}

function setStatus(form, text) {
  const el = form.querySelector('.form-status');
  if (el) el.textContent = text;
}

// showFieldErrors puts every message of errs ({field: message}) next to
// its field, marks the fields invalid and focuses the first.
export function showFieldErrors(form, errs) {
  clearErrors(form);
  let first = null;
  for (const [name, msg] of Object.entries(errs)) {
    let slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (!slot) slot = form.querySelector('[data-error-for=""]');
    if (slot) slot.textContent = slot.textContent ? slot.textContent + ' ' + msg : msg;
    const input = name ? field(form, name) : null;
    if (input && input.setAttribute) {
      input.setAttribute('aria-invalid', 'true');
      if (!first) first = input;
    }
  }
  if (first) first.focus();
}

// apiMessage turns an API error into words of the page's language where
// it is one the page knows.
export function apiMessage(err) {
  const msg = err.message || '';
  if (err.status === 429) return t('settings.err_rate');
  if (err.status === 0) return t('settings.err_network');
  switch (err.field) {
    case 'current_password':
    case 'password':
      if (err.status === 401) return t('settings.err_wrong_password');
      if (err.status === 400 && !msg) return t('settings.err_current_password');
      break;
    case 'new_password':
      return /common/.test(msg) ? t('settings.err_common_password') : t('settings.err_new_password');
    case 'email':
      return /taken|use/.test(msg) ? msg : t('settings.err_email');
    case 'display_name':
      return t('settings.err_display_name');
    case 'bio':
      return t('settings.err_bio');
    case 'picture':
      if (err.status === 413) return t('avatar.err_too_large');
      if (/more than a picture/.test(msg)) return t('avatar.err_polyglot');
      if (/too small/.test(msg)) return t('avatar.err_too_small');
      return t('avatar.err_not_picture');
    case 'crop':
      return t('avatar.err_crop');
    default:
  }
  return msg || t('error');
}

export function showApiError(form, err) {
  if (err.status === 401 && !err.field) return; // api() is sending them to sign in
  showFieldErrors(form, { [err.field || '']: apiMessage(err) });
}

function busy(form, on) {
  for (const b of form.querySelectorAll('button')) b.disabled = on;
  form.setAttribute('aria-busy', String(on));
}

// onSubmit wires a form: check returns {field: message} (empty: go on),
// send calls the API.
function onSubmit(form, check, send) {
  if (!form) return;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    setStatus(form, '');
    const errs = check ? check() : {};
    if (Object.keys(errs).length) {
      showFieldErrors(form, errs);
      return;
    }
    busy(form, true);
    try {
      await send();
    } catch (err) {
      showApiError(form, err);
    } finally {
      busy(form, false);
    }
  });
}

const lang = () => getBoot().lang || 'en';
const when = (s) => new Date(s).toLocaleString(lang(), { dateStyle: 'medium', timeStyle: 'short' });
const day = (s) => new Date(s).toLocaleDateString(lang(), { dateStyle: 'long' });

function inDays(s) {
  const days = Math.max(0, Math.round((new Date(s) - Date.now()) / 86400000));
  try {
    return new Intl.RelativeTimeFormat(lang(), { numeric: 'auto' }).format(days, 'day');
  } catch {
    return String(days);
  }
}

let view = null; // the last GET /api/v1/me/settings
let poll = null;

async function load() {
  view = await api('GET', '/api/v1/me/settings');
  render();
  return view;
}

function render() {
  const names = document.getElementById('names-form');
  if (names && !names.dataset.loaded) {
    field(names, 'display_name').value = view.display_name || '';
    field(names, 'bio').value = view.bio || '';
    names.dataset.loaded = '1';
  }
  const priv = document.getElementById('privacy-form');
  if (priv) {
    const pa = field(priv, 'private_account');
    pa.checked = !!view.private_account;
    pa.disabled = pa.dataset.locked === 'true';
    const cf = field(priv, 'comments_from');
    cf.value = view.comments_from || 'everyone';
    cf.disabled = false;
    const sl = field(priv, 'show_likes');
    sl.checked = !!view.show_likes;
    sl.disabled = false;
  }
  renderExports();
  renderErasure();
  document.dispatchEvent(new CustomEvent('kurz:settings', { detail: view }));
}

function renderExports() {
  const list = document.getElementById('export-list');
  if (!list) return;
  list.replaceChildren();
  let pending = false;
  for (const x of view.exports || []) {
    if ((x.status === 'ready' || x.status === 'playable')) {
      list.append(h('li', {},
        h('a', { class: 'button primary export-download', href: `/api/v1/me/exports/${encodeURIComponent(x.id)}`, download: 'kurz-export.zip' },
          t('settings.export_download')),
        ' ', h('span', { class: 'hint' }, t('settings.export_until', when(x.expires_at)))));
    } else {
      pending = true;
      list.append(h('li', { class: 'export-pending' }, t('settings.export_pending', when(x.created_at))));
    }
  }
  clearTimeout(poll);
  if (pending) poll = setTimeout(() => load().catch(() => {}), 1500);
  else setStatus(list.closest('form'), '');
}

function renderErasure() {
  const form = document.getElementById('delete-form');
  if (!form) return;
  const ask = form.querySelector('.delete-ask');
  const pend = form.querySelector('.delete-pending');
  ask.hidden = !!view.erase_at;
  pend.hidden = !view.erase_at;
  if (view.erase_at) pend.querySelector('.notice').textContent = t('settings.erase_pending', day(view.erase_at), inDays(view.erase_at));
}

async function patch(body, form) {
  clearErrors(form);
  try {
    view = await api('PATCH', '/api/v1/me/settings', body);
    render();
    toast(t('saved'));
  } catch (err) {
    showApiError(form, err);
    render();
  }
}

function initPrivacy() {
  const form = document.getElementById('privacy-form');
  if (!form) return;
  field(form, 'private_account').addEventListener('change', (e) => patch({ private_account: e.target.checked }, form));
  field(form, 'show_likes').addEventListener('change', (e) => patch({ show_likes: e.target.checked }, form));
  field(form, 'comments_from').addEventListener('change', (e) => patch({ comments_from: e.target.value }, form));
}

function initNames() {
  const form = document.getElementById('names-form');
  onSubmit(form, () => {
    const errs = {};
    const name = field(form, 'display_name').value;
    if ([...name.trim()].length > 50 || /[\n\r]/.test(name)) errs.display_name = t('settings.err_display_name');
    if ([...field(form, 'bio').value.trim()].length > 300) errs.bio = t('settings.err_bio');
    return errs;
  }, async () => {
    await api('PATCH', '/api/v1/me/profile', { display_name: field(form, 'display_name').value, bio: field(form, 'bio').value });
    setStatus(form, t('saved'));
  });
}

function initEmail() {
  const form = document.getElementById('email-form');
  onSubmit(form, () => {
    const errs = {};
    const email = field(form, 'email').value.trim();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) errs.email = t('settings.err_email');
    if (!field(form, 'password').value) errs.password = t('settings.err_current_password');
    return errs;
  }, async () => {
    await api('POST', '/api/v1/me/email', { email: field(form, 'email').value.trim(), password: field(form, 'password').value }, { redirectOn401: false });
    form.reset();
    setStatus(form, t('settings.email_sent'));
  });
}

function initPassword() {
  const form = document.getElementById('password-form');
  onSubmit(form, () => {
    const errs = {};
    const next = field(form, 'new_password').value;
    if (!field(form, 'current_password').value) errs.current_password = t('settings.err_current_password');
    if (next.length < 8) errs.new_password = t('settings.err_new_password');
    if (field(form, 'repeat_password').value !== next) errs.repeat_password = t('settings.err_repeat');
    return errs;
  }, async () => {
    await api('POST', '/api/v1/me/password', {
      current_password: field(form, 'current_password').value,
      new_password: field(form, 'new_password').value,
    }, { redirectOn401: false });
    form.reset();
    setStatus(form, t('settings.password_changed'));
    loadSessions();
  });
}

async function loadSessions() {
  const list = document.getElementById('session-list');
  if (!list) return;
  const form = list.closest('form');
  try {
    const r = await api('GET', '/api/v1/me/sessions');
    list.replaceChildren();
    for (const s of r.items) {
      const li = h('li', { class: 'session' + (s.current ? ' current' : '') },
        h('strong', {}, s.device || t('settings.unknown_device')),
        s.current ? h('span', { class: 'badge' }, t('settings.this_device')) : null,
        h('span', { class: 'hint' }, t('settings.session_times', when(s.created_at), when(s.used_at))));
      if (!s.current) {
        const end = h('button', { type: 'button', class: 'link-button' }, t('settings.end_session'));
        end.addEventListener('click', async () => {
          try {
            await api('DELETE', `/api/v1/me/sessions/${encodeURIComponent(s.id)}`);
            toast(t('settings.ended'));
            loadSessions();
          } catch (err) {
            showApiError(form, err);
          }
        });
        li.append(end);
      }
      list.append(li);
    }
  } catch (err) {
    showApiError(form, err);
  }
}

function initSessions() {
  const btn = document.querySelector('[data-action="signout-everywhere"]');
  if (!btn) return;
  loadSessions();
  btn.addEventListener('click', async () => {
    try {
      await api('DELETE', '/api/v1/me/sessions', undefined, { redirectOn401: false });
    } catch (err) {
      if (err.status !== 401) return showApiError(btn.closest('form'), err);
    }
    location.assign('/signin');
  });
}

function initData() {
  const exp = document.getElementById('export-form');
  onSubmit(exp, null, async () => {
    await api('POST', '/api/v1/me/export');
    setStatus(exp, t('settings.export_requested'));
    await load();
  });
  const del = document.getElementById('delete-form');
  onSubmit(del, () => (field(del, 'password').value ? {} : { password: t('settings.err_current_password') }), async () => {
    await api('DELETE', '/api/v1/me', { password: field(del, 'password').value }, { redirectOn401: false });
    field(del, 'password').value = '';
    await load();
  });
  const cancel = del && del.querySelector('[data-action="erasure-cancel"]');
  if (cancel) {
    cancel.addEventListener('click', async () => {
      try {
        await api('POST', '/api/v1/me/erasure/cancel');
        toast(t('settings.erase_cancelled'));
        await load();
      } catch (err) {
        showApiError(del, err);
      }
    });
  }
}

export function initSettingsPage() {
  if (!document.getElementById('privacy-form')) return;
  initNames();
  initEmail();
  initPassword();
  initSessions();
  initPrivacy();
  initData();
  load().catch((err) => showApiError(document.getElementById('privacy-form'), err));
}
