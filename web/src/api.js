// JSON API calls. Every write sends Content-Type: application/json (the
// API refuses other types, part of its CSRF defence) and same-origin
// credentials. A 401 sends the visitor to sign in and come back.

import { t } from './i18n.js';

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || '';
  }
}

export function signinURL() {
  const here = location.pathname + location.search;
  return '/signin?next=' + encodeURIComponent(here);
}

export async function api(method, path, body, { redirectOn401 = true } = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  };
  if (method !== 'GET' && method !== 'HEAD') {
    // Writes always carry a JSON body, even an empty object, so the API's
    // "JSON only" rule holds for bodiless actions like PUT .../like too.
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body === undefined ? {} : body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', e.message || 'network error', '');
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && redirectOn401) {
      location.assign(signinURL());
    }
    const err = (data && data.error) || {};
    // "Not found" is one answer for what is gone, never was, or is hidden
    // from this person (a block): said in the page's language.
    const message = err.code === 'not_found' ? t('block.not_found') : err.message || res.statusText;
    throw new ApiError(res.status, err.code || 'http_' + res.status, message, err.field);
  }
  return data;
}

// beacon posts without waiting or caring for the answer.
export function beacon(path) {
  fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: '{}',
    keepalive: true,
  }).catch(() => {});
}

// showErrors puts an API error's message next to the field it names, or
// into the form's general error slot.
export function showErrors(form, err) {
  clearErrors(form);
  let slot = err.field ? form.querySelector(`[data-error-for="${CSS.escape(err.field)}"]`) : null;
  if (!slot) slot = form.querySelector('[data-error-for=""]');
  if (slot) slot.textContent = err.message;
  if (err.field) {
    const input = form.elements.namedItem(err.field);
    if (input && input.setAttribute) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('[data-error-for]')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}
