// JSON API calls. Every write sends Content-Type: application/json (the
// API refuses other types, part of its CSRF defence) and same-origin
// credentials. A 401 sends the visitor to sign in and come back.

import { getBoot, t } from './i18n.js';

export class ApiError extends Error {
  // fields lists every bad field ({field, message}) when the API checked
  // a request field by field; field and message are the first of them.
  constructor(status, code, message, field, fields, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || '';
    this.details = details || null;
    this.fields = Array.isArray(fields) && fields.length ? fields : field ? [{ field, message }] : [];
  }
}

// errorOf reads the API's error shape from a parsed body.
export function errorOf(status, data, fallback) {
  const err = (data && data.error) || {};
  // "Not found" is one answer for what is gone, never was, or is hidden
  // from this person (a block): said in the page's language.
  const message = err.code === 'not_found' ? t('block.not_found') : err.message || fallback;
  return new ApiError(status, err.code || 'http_' + status, message, err.field, err.fields, err.details);
}

// lang is the page's language, which the API answers errors in.
export function lang() {
  return getBoot().lang || 'en';
}

export function signinURL() {
  const here = location.pathname + location.search;
  return '/signin?next=' + encodeURIComponent(here);
}

export async function api(method, path, body, { redirectOn401 = true } = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'Accept-Language': lang() },
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
    throw errorOf(res.status, data, res.statusText);
  }
  return data;
}

// beacon posts without waiting or caring for the answer.
export function beacon(path, body = {}) {
  fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    keepalive: true,
  }).catch(() => {});
}

// showErrors puts each of an API error's field messages next to its
// field (every bad field at once, the first focused), or into the form's
// general error slot when the form has no place for it.
export function showErrors(form, err) {
  clearErrors(form);
  const general = form.querySelector('[data-error-for=""]');
  const list = err.fields && err.fields.length ? err.fields : [{ field: err.field, message: err.message }];
  let first = null;
  for (const f of list) {
    const slot = f.field ? form.querySelector(`[data-error-for="${CSS.escape(f.field)}"]`) : null;
    if (!slot) {
      if (general) general.textContent = general.textContent ? general.textContent + ' ' + f.message : f.message;
      continue;
    }
    slot.textContent = f.message;
    const input = form.elements.namedItem(f.field);
    if (input && input.setAttribute) {
      input.setAttribute('aria-invalid', 'true');
      if (slot.id) input.setAttribute('aria-describedby', slot.id);
      if (!first) first = input;
    }
  }
  if (first && first.focus) first.focus();
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('[data-error-for]')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}
