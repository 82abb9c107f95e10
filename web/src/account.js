// The pages behind mail links (confirm an email, end a session), the
// forgotten-password form and two-factor enrolment in the settings: each
// posts to the API and shows its answer.
import { api, clearErrors, showErrors } from './api.js';
import { t } from './i18n.js';

function status(form, text) {
  const el = form.querySelector('.form-status');
  if (el) el.textContent = text;
}

export function initAccount() {
  const form = document.getElementById('account-form');
  if (!form) return;
  const q = new URLSearchParams(location.search);
  const kind = form.dataset.kind;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      if (kind === '/account/verify-email') {
        await api('POST', '/api/v1/email-confirmations', { token: q.get('token') || '', change: q.get('change') === '1' }, { redirectOn401: false });
        status(form, t('account.verified'));
        return;
      }
      if (kind === '/account/end-session') {
        await api('POST', '/api/v1/sessions/end', { token: q.get('token') || '' }, { redirectOn401: false });
        status(form, t('account.ended'));
        return;
      }
      const r = await api('POST', '/api/v1/password-resets/requests', { email: form.elements.namedItem('email').value }, { redirectOn401: false });
      status(form, r.status);
      button.disabled = false;
    } catch (err) {
      button.disabled = false;
      showErrors(form, err);
    }
  });
}

// initTwoFactor: set up an authenticator app from the settings page.
export function initTwoFactor() {
  const form = document.getElementById('totp-form');
  if (!form) return;
  const start = form.querySelector('[data-action="totp-start"]');
  const step2 = form.querySelector('.totp-confirm');
  start.addEventListener('click', async () => {
    clearErrors(form);
    try {
      const en = await api('POST', '/api/v1/me/totp');
      form.querySelector('.totp-qr').src = en.qr;
      form.querySelector('.totp-secret').textContent = en.secret;
      step2.hidden = false;
      start.hidden = true;
    } catch (err) {
      if (err.status !== 401) showErrors(form, err);
    }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const r = await api('POST', '/api/v1/me/totp/confirm', { code: form.elements.namedItem('code').value });
      step2.hidden = true;
      const done = form.querySelector('.totp-done');
      done.hidden = false;
      const list = done.querySelector('ul');
      for (const c of r.recovery_codes) {
        const li = document.createElement('li');
        li.textContent = c;
        list.appendChild(li);
      }
    } catch (err) {
      if (err.status !== 401) showErrors(form, err);
    }
  });
}

// initPasskeys: add a passkey from the settings; sign in with one from the
// sign-in page. The browser's JSON forms of the ceremony are used as they
// are (parse…FromJSON, toJSON).
export function initPasskeys() {
  const add = document.querySelector('[data-action="passkey-add"]');
  if (add) {
    add.addEventListener('click', async () => {
      const form = add.closest('form');
      clearErrors(form);
      try {
        const o = await api('POST', '/api/v1/me/passkeys/options');
        const cred = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(o.publicKey) });
        await api('POST', '/api/v1/me/passkeys', cred.toJSON());
        status(form, t('settings.passkey_added'));
      } catch (err) {
        if (err.status !== 401) showErrors(form, { message: err.message || t('error') });
      }
    });
  }
  const signin = document.querySelector('[data-action="passkey-signin"]');
  if (signin) {
    signin.addEventListener('click', async () => {
      const form = document.getElementById('signin-form');
      clearErrors(form);
      try {
        const o = await api('POST', '/api/v1/sessions/passkey/options', undefined, { redirectOn401: false });
        const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(o.publicKey) });
        await api('POST', '/api/v1/sessions/passkey', cred.toJSON(), { redirectOn401: false });
        const n = new URLSearchParams(location.search).get('next') || '/';
        location.assign(n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/\\') ? n : '/');
      } catch (err) {
        showErrors(form, { message: err.message || t('error') });
      }
    });
  }
}
