// A suspended or terminated person's sign-in is refused with the
// statements of reasons and an appeal token (see accounts/suspended.go):
// the sign-in page shows each statement with an appeal form, sent with
// the token in place of a session.
import { t } from './i18n.js';
import { h } from './ui.js';

async function appeal(token, personID, decisionID, explanation) {
  const res = await fetch('/api/v1/appeals', {
    method: 'POST',
    credentials: 'omit',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: 'Bearer ' + token },
    body: JSON.stringify({ decision_id: decisionID, explanation, person_id: personID }),
  });
  if (res.ok) return null;
  try {
    return ((await res.json()).error || {}).message || res.statusText;
  } catch {
    return res.statusText;
  }
}

function statementCard(st, details) {
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const text = h('textarea', { name: 'explanation', rows: 3, maxlength: 5000, required: true, 'aria-label': t('suspended.why') });
  const form = h('form', { class: 'api-form appeal-form', novalidate: true },
    h('label', {}, t('suspended.why')), text, error,
    h('button', { type: 'submit', class: 'primary' }, t('suspended.appeal')), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!text.value.trim()) {
      error.textContent = t('suspended.explain');
      return;
    }
    const failed = await appeal(details.appeal_token, details.person_id, st.puid, text.value.trim());
    if (failed) {
      error.textContent = failed;
    } else {
      form.replaceWith(h('p', { role: 'status', class: 'appeal-sent' }, t('suspended.sent')));
    }
  });
  return h('article', { class: 'statement', 'data-decision': st.puid || '' },
    h('h3', {}, t('suspended.decision', st.application_date || '')),
    h('p', {}, st.decision_facts || ''),
    st.puid && !st.appeal_of ? form : null);
}

// showSuspension renders the refusal's statements and appeal forms after
// the sign-in form; it returns false when err is not such a refusal.
export function showSuspension(form, err) {
  const details = err.details || {};
  if (err.status !== 403 || !details.appeal_token) return false;
  // The page says it in full below, in the page's language.
  const general = form.querySelector('[data-error-for=""]');
  if (general) general.textContent = '';
  let box = document.querySelector('.suspension');
  if (box) box.remove();
  const statements = (details.statements || []).map((s) => s.statement || s);
  box = h('section', { class: 'suspension', 'aria-labelledby': 'suspension-title' },
    h('h2', { id: 'suspension-title' }, details.terminated ? t('suspended.terminated') : t('suspended.until', details.suspended_until || '')),
    h('p', {}, t('suspended.intro')),
    statements.map((st) => statementCard(st, details)));
  form.after(box);
  return true;
}
