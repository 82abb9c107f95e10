// Sign-in, sign-up, sign-out and the profile editor: JSON to the API, the
// API's error message shown next to the field it names.
import { api, clearErrors, showErrors } from './api.js';
import { getBoot, t } from './i18n.js';
import { h, toast } from './ui.js';
import { setFollowing } from './actions.js';
import { showSuspension } from './suspended.js';

function values(form) {
  const out = {};
  for (const [k, v] of new FormData(form)) out[k] = typeof v === 'string' ? v : '';
  return out;
}

// next is where to go after signing in: a path on this site only.
function next() {
  const n = getBoot().next || '/';
  return n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/\\') ? n : '/';
}

function submitting(form, on) {
  for (const b of form.querySelectorAll('button[type=submit]')) b.disabled = on;
  form.setAttribute('aria-busy', String(on));
}

export function initSignin() {
  const form = document.getElementById('signin-form');
  if (!form) return;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    submitting(form, true);
    try {
      await api('POST', '/api/v1/sessions', values(form), { redirectOn401: false });
      location.assign(next());
    } catch (err) {
      // An account with two-factor sign-in asks for its code.
      const code = form.querySelector('.signin-code');
      if (err.field === 'code' && code) code.hidden = false;
      showErrors(form, err);
      showSuspension(form, err);
    } finally {
      submitting(form, false);
    }
  });
}

export function initSignup() {
  const form = document.getElementById('signup-form');
  if (!form) return;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    submitting(form, true);
    const v = values(form);
    try {
      await api('POST', '/api/v1/accounts', v, { redirectOn401: false });
    } catch (err) {
      showErrors(form, err);
      submitting(form, false);
      return;
    }
    try {
      await api('POST', '/api/v1/sessions', { login: v.handle, password: v.password }, { redirectOn401: false });
      location.assign(next());
    } catch {
      // The account is not there to sign in to (the address had one
      // already, and its owner was mailed): the same notice as for a mail
      // sent, nothing about the address.
      const st = form.querySelector('.form-status');
      if (st) st.textContent = t('signup.check_mail');
    } finally {
      submitting(form, false);
    }
  });
}

export function initSignout() {
  for (const b of document.querySelectorAll('[data-action="signout"]')) {
    b.addEventListener('click', async () => {
      try {
        await api('DELETE', '/api/v1/sessions/current', undefined, { redirectOn401: false });
      } catch (e) {
        if (e.status !== 401) {
          toast(e.message || t('error'));
          return;
        }
      }
      location.assign('/');
    });
  }
}

export function initProfile() {
  const form = document.getElementById('profile-form');
  if (form) {
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      submitting(form, true);
      const v = values(form);
      try {
        await api('PATCH', '/api/v1/me/profile', { display_name: v.display_name, bio: v.bio });
        toast(t('saved'));
        location.reload();
      } catch (err) {
        if (err.status !== 401) showErrors(form, err);
      } finally {
        submitting(form, false);
      }
    });
  }
  const follow = document.querySelector('.follow-profile');
  if (follow) {
    const handle = getBoot().handle;
    const count = document.querySelector('.followers-count');
    follow.addEventListener('click', async () => {
      if (!getBoot().viewer) {
        location.assign('/signin?next=' + encodeURIComponent(location.pathname));
        return;
      }
      const want = follow.getAttribute('aria-pressed') !== 'true';
      try {
        const r = await api(want ? 'PUT' : 'DELETE', `/api/v1/users/${encodeURIComponent(handle)}/follow`);
        follow.setAttribute('aria-pressed', String(want));
        follow.textContent = want ? t('following') : t('follow');
        if (r && typeof r.followers === 'number' && count) count.textContent = String(r.followers);
        setFollowing(handle, want);
      } catch (err) {
        if (err.status !== 401) toast(err.message || t('error'));
      }
    });
  }
}

// The settings page: personalised For You on or off, saved at once.
export function initSettings() {
  const box = document.getElementById('personalized-feed');
  const form = document.getElementById('settings-form');
  if (!box || !form) return;
  api('GET', '/api/v1/me/settings')
    .then((s) => {
      box.checked = !!s.personalized_feed;
      box.disabled = false;
    })
    .catch((err) => {
      if (err.status !== 401) showErrors(form, err);
    });
  box.addEventListener('change', async () => {
    clearErrors(form);
    box.disabled = true;
    try {
      const s = await api('PATCH', '/api/v1/me/settings', { personalized_feed: box.checked });
      box.checked = !!s.personalized_feed;
      // The feed the page opens with follows the setting.
      document.cookie = 'feed=; path=/; max-age=0; samesite=lax';
      toast(t('saved'));
    } catch (err) {
      box.checked = !box.checked;
      if (err.status !== 401) showErrors(form, err);
    } finally {
      box.disabled = false;
    }
  });
}

// The followers page: pending follow requests (approve, refuse) and
// approved followers (remove), answered through the API; the lists are
// read again after each answer.
export function initFollowers() {
  const lists = [document.getElementById('follow-requests'), document.getElementById('approved-followers')];
  const error = document.getElementById('followers-error');
  if (lists.includes(null)) return;
  const act = async (method, path) => {
    error.textContent = '';
    try {
      await api(method, path);
      await load();
    } catch (err) {
      if (err.status !== 401) error.textContent = err.message || t('error');
    }
  };
  const row = (item, pending) => {
    const who = encodeURIComponent(item.handle);
    const buttons = pending
      ? [
          h('button', { type: 'button', class: 'btn', 'data-action': 'approve', onclick: () => act('POST', `/api/v1/me/followers/${who}/approve`) },
            t('followers.approve')),
          h('button', { type: 'button', class: 'btn ghost', 'data-action': 'refuse', onclick: () => act('POST', `/api/v1/me/followers/${who}/refuse`) },
            t('followers.refuse')),
        ]
      : [h('button', { type: 'button', class: 'btn ghost', 'data-action': 'remove', onclick: () => act('DELETE', `/api/v1/me/followers/${who}`) },
          t('followers.remove'))];
    return h('li', { 'data-handle': item.handle }, h('a', { href: `/@${who}` }, `@${item.handle}`), ' ', ...buttons);
  };
  const load = async () => {
    for (const list of lists) {
      const pending = list.dataset.status === 'pending';
      const page = await api('GET', `/api/v1/me/followers?status=${list.dataset.status}`);
      const items = page.items || [];
      list.replaceChildren(...(items.length ? items.map((it) => row(it, pending)) : [h('li', { class: 'empty' }, list.dataset.empty)]));
    }
  };
  load().catch((err) => {
    if (err.status !== 401) error.textContent = err.message || t('error');
  });
}
