// Reports (DSA notices) and appeals: the report dialog opened from videos,
// comments and profiles; "my reports" and a report's receipt page; the
// appeal page; and the statement of reasons as people read it (shared
// with the inbox). Signed-out reporters keep their receipts (the notice
// ID is the secret that shows it) in this browser's localStorage.
import { ApiError, api, clearErrors } from './api.js';
import { getBoot, t, viewer } from './i18n.js';
import { h, toast } from './ui.js';

const enc = encodeURIComponent;

export const categories = [
  'PROTECTION_OF_MINORS', 'SELF_HARM', 'VIOLENCE', 'CYBER_VIOLENCE', 'ILLEGAL_OR_HARMFUL_SPEECH', 'PORNOGRAPHY_OR_SEXUALIZED_CONTENT',
  'NON_CONSENSUAL_BEHAVIOUR', 'DATA_PROTECTION_AND_PRIVACY_VIOLATIONS', 'SCAMS_AND_FRAUD', 'INTELLECTUAL_PROPERTY_INFRINGEMENTS',
  'UNSAFE_AND_ILLEGAL_PRODUCTS', 'RISK_FOR_PUBLIC_SECURITY', 'NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS', 'ANIMAL_WELFARE',
  'SCOPE_OF_PLATFORM_SERVICE', 'OTHER_VIOLATION_TC',
].map((c) => 'STATEMENT_CATEGORY_' + c);

const RECEIPTS = 'kurz.receipts';

function localReceipts() {
  try {
    const list = JSON.parse(localStorage.getItem(RECEIPTS) || '[]');
    return Array.isArray(list) ? list.filter((id) => typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id)) : [];
  } catch {
    return [];
  }
}

function keepReceipt(id) {
  try {
    const list = localReceipts().filter((x) => x !== id);
    list.unshift(id);
    localStorage.setItem(RECEIPTS, JSON.stringify(list.slice(0, 100)));
  } catch {
    // private mode: the link shown is the receipt
  }
}

// reportButton is the report action of a video or comment.
export function reportButton(type, id, cls = 'link-button') {
  const b = h('button', { type: 'button', class: cls + ' report-action', 'data-report-type': type, 'data-report-id': id }, t('report.action'));
  b.addEventListener('click', () => openReport(type, id, b));
  return b;
}

// wireReportButtons wires the report buttons a page's markup carries
// (the profile's).
export function wireReportButtons(root = document) {
  for (const b of root.querySelectorAll('button[data-report-type]:not([data-wired])')) {
    b.dataset.wired = '1';
    b.addEventListener('click', () => openReport(b.dataset.reportType, b.dataset.reportId, b));
  }
}

let seq = 0;
function field(label, input, name, hint) {
  const id = 'rp-' + name + '-' + ++seq;
  input.id = id;
  input.name = name;
  return [h('label', { for: id }, label), input, hint ? h('p', { class: 'hint' }, hint) : null,
    h('p', { class: 'form-error', 'data-error-for': name, role: 'alert' })];
}

// openReport shows the notice form for a video, comment or account.
export function openReport(type, id, opener) {
  const select = h('select', { required: true }, h('option', { value: '' }, t('report.category_pick')),
    ...categories.map((c) => h('option', { value: c }, t('report.cat_' + c))));
  const explanation = h('textarea', { rows: '4', maxlength: '5000', required: true });
  const illegal = h('input', { type: 'checkbox', name: 'illegal' });
  const legal = h('input', { maxlength: '500' });
  const name = h('input', { autocomplete: 'name', maxlength: '200' });
  const email = h('input', { type: 'email', autocomplete: 'email', maxlength: '254' });
  const faith = h('input', { type: 'checkbox', name: 'good_faith' });
  const extra = h('div', { class: 'report-illegal', hidden: true },
    ...field(t('report.legal_ground'), legal, 'legal_ground'),
    ...field(t('report.name'), name, 'name'),
    ...field(t('report.email'), email, 'email'),
    h('label', { class: 'check' }, faith, ' ', t('report.good_faith')),
    h('p', { class: 'form-error', 'data-error-for': 'good_faith', role: 'alert' }));
  illegal.addEventListener('change', () => {
    extra.hidden = !illegal.checked;
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('report.submit'));
  const cancel = h('button', { type: 'button', class: 'button' }, t('report.cancel'));
  const form = h('form', { class: 'api-form report-form', novalidate: true },
    h('p', { class: 'hint' }, t('report.intro')),
    ...field(t('report.category'), select, 'category'),
    ...field(t('report.explanation'), explanation, 'explanation'),
    h('label', { class: 'check' }, illegal, ' ', t('report.illegal')),
    extra, submit, cancel,
    h('p', { class: 'form-error', 'data-error-for': '', role: 'alert' }));
  const title = 'report-title-' + ++seq;
  const dialog = h('dialog', { class: 'sheet report-sheet', 'aria-labelledby': title },
    h('div', { class: 'sheet-head' }, h('h2', { id: title }, t('report.title_' + type)),
      h('button', { type: 'button', class: 'icon-button', 'aria-label': t('close'), onclick: () => dialog.close() }, '✕')),
    h('div', { class: 'sheet-body' }, form));
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (opener && opener.isConnected) opener.focus();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    // Every missing field at once, in words, next to its field.
    const errs = {};
    if (!select.value) errs.category = t('report.err_category');
    const text = explanation.value.trim();
    if (!text || text.length > 5000) errs.explanation = t('report.err_explanation');
    if (illegal.checked) {
      if (!legal.value.trim()) errs.legal_ground = t('report.err_legal_ground');
      if (!name.value.trim()) errs.name = t('report.err_name');
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.value.trim())) errs.email = t('report.err_email');
      if (!faith.checked) errs.good_faith = t('report.err_good_faith');
    }
    if (showAll(form, errs)) return;
    submit.disabled = true;
    try {
      const body = { target_type: type, target_id: id, category: select.value, explanation: text, illegal: illegal.checked };
      if (illegal.checked) Object.assign(body, { legal_ground: legal.value.trim(), name: name.value.trim(), email: email.value.trim(), good_faith: true });
      const r = await api('POST', '/api/v1/reports', body, { redirectOn401: false });
      keepReceipt(r.notice_id);
      const link = location.origin + '/reports/' + enc(r.notice_id);
      form.replaceWith(h('div', { class: 'report-done', role: 'status' },
        h('p', {}, t('report.thanks')), h('p', { class: 'hint' }, t('report.follow_link')),
        h('p', {}, h('a', { href: '/reports/' + enc(r.notice_id), class: 'receipt-link' }, link)),
        h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, t('close'))));
    } catch (err) {
      submit.disabled = false;
      showAll(form, { [apiField(err)]: reportError(err) });
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  select.focus();
}

function apiField(err) {
  return ['category', 'explanation', 'legal_ground', 'email', 'name'].includes(err.field) ? err.field : '';
}

// reportError says in the page's language what went wrong.
function reportError(err) {
  if (err.status === 429) return t('report.err_rate');
  if (err.status === 404) return t('report.err_gone');
  const byField = { category: 'err_category', explanation: 'err_explanation', legal_ground: 'err_legal_ground', email: 'err_email', name: 'err_name' };
  if (byField[err.field]) return t('report.' + byField[err.field]);
  return t('report.err_other');
}

// showAll puts each message next to its field; true if there were any.
function showAll(form, errs) {
  let first = null;
  for (const [name, msg] of Object.entries(errs)) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot) slot.textContent = msg;
    const input = name && form.elements.namedItem(name);
    if (input && input.setAttribute) {
      input.setAttribute('aria-invalid', 'true');
      first = first || input;
    }
  }
  if (first) first.focus();
  return Object.keys(errs).length > 0;
}

function fmtDate(s) {
  const d = new Date(s);
  if (isNaN(d)) return '';
  try {
    return d.toLocaleDateString(getBoot().lang, { year: 'numeric', month: 'long', day: 'numeric' });
  } catch {
    return d.toDateString();
  }
}

// statementView renders a statement of reasons in plain words, with the
// link to its appeal page.
export function statementView(st) {
  if (!st || typeof st !== 'object') return h('div');
  const what = st.decision_visibility ? t('report.vis_' + st.decision_visibility) : st.decision_account ? t('report.acct_' + st.decision_account) : '';
  const box = h('div', { class: 'sor' });
  if (st.appeal_outcome === 'reversed') box.append(h('p', { class: 'sor-what' }, t('report.appeal_reversed')));
  else if (st.appeal_outcome === 'upheld') box.append(h('p', { class: 'sor-what' }, t('report.appeal_upheld')));
  else if (what) box.append(h('p', { class: 'sor-what' }, t('report.decision', what)));
  const why = st.illegal_content_explanation || st.incompatible_content_explanation || st.decision_facts;
  if (why) box.append(h('p', { class: 'sor-why' }, t('report.reason', why)));
  if (st.appeal_outcome) return box; // the rest is the original decision's
  box.append(h('p', { class: 'hint' }, st.decision_ground === 'DECISION_GROUND_ILLEGAL_CONTENT'
    ? t('report.ground_illegal', st.illegal_content_legal_ground || '') : t('report.ground_terms')));
  if (st.category) box.append(h('p', { class: 'hint' }, t('report.cat_' + st.category)));
  const scope = (st.territorial_scope || []).filter((c) => c !== 'ALL');
  box.append(h('p', { class: 'hint' }, t('report.scope', scope.length ? scope.join(', ') : t('report.scope_all'))));
  if (st.end_date_visibility_restriction) box.append(h('p', { class: 'hint' }, t('report.until', fmtDate(st.end_date_visibility_restriction))));
  if (st.automated_decision === 'AUTOMATED_DECISION_FULLY') box.append(h('p', { class: 'hint' }, t('report.automated')));
  if (st.appeal_url && /^\/appeal\/[A-Za-z0-9_-]{1,64}$/.test(st.appeal_url) && viewer()) {
    box.append(h('a', { class: 'button appeal-link', href: st.appeal_url }, t('report.appeal_link')));
  }
  for (const p of box.querySelectorAll('p:empty')) p.remove();
  return box;
}

function receiptView(r) {
  const about = t('report.about_' + r.target_type);
  const li = h('li', { class: 'report-card', 'data-notice': r.notice_id },
    h('p', { class: 'report-about' }, r.target_type === 'video' && /^[A-Za-z0-9_-]{1,64}$/.test(r.target_id || '')
      ? h('a', { href: '/v/' + enc(r.target_id) }, about) : about, ' · ', t('report.cat_' + r.category)),
    h('p', { class: 'hint' }, t('report.received', fmtDate(r.received_at))),
    h('p', { class: 'report-status status-' + r.status }, t('report.status_' + r.status)));
  if (r.statement) li.append(statementView(r.statement));
  li.append(h('p', { class: 'hint' }, h('a', { href: '/reports/' + enc(r.notice_id) }, t('report.link'))));
  return li;
}

// initReports is /reports (a person's reports and this browser's
// receipts) and /reports/{id} (one receipt).
export async function initReports() {
  const section = document.querySelector('.reports');
  const list = document.getElementById('report-list');
  const error = document.getElementById('reports-error');
  if (!section || !list) return;
  const one = section.dataset.receipt;
  const shown = new Set();
  const add = (r) => {
    if (!r || shown.has(r.notice_id)) return;
    shown.add(r.notice_id);
    list.append(receiptView(r));
  };
  try {
    if (one) {
      try {
        add(await api('GET', '/api/v1/reports/' + enc(one), undefined, { redirectOn401: false }));
      } catch (e) {
        if (e.status === 404) list.append(h('li', { class: 'empty' }, t('report.not_found')));
        else throw e;
      }
      return;
    }
    if (viewer()) {
      const r = await api('GET', '/api/v1/me/reports');
      for (const x of r.reports || []) add(x);
    }
    for (const id of localReceipts()) {
      if (shown.has(id)) continue;
      try {
        add(await api('GET', '/api/v1/reports/' + enc(id), undefined, { redirectOn401: false }));
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 404) throw e;
      }
    }
    if (!list.children.length) list.append(h('li', { class: 'empty' }, t('report.none')));
  } catch (e) {
    error.textContent = e.message || t('load_error');
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
}

// findStatement looks for a decision's statement in the viewer's inbox.
async function findStatement(id) {
  try {
    const r = await api('GET', '/api/v1/me/inbox');
    for (const e of r.entries || []) {
      if (e.kind !== 'statement_of_reasons' || !e.data) continue;
      const st = e.data.statement || e.data;
      if (st.puid === id) return st;
    }
  } catch {
    // the form does not need it
  }
  return null;
}

// initAppeal is /appeal/{id}: the form, only for a party who may appeal;
// everyone else is told why not (the moderator who decided never sees it).
export async function initAppeal() {
  const section = document.querySelector('.appeal');
  if (!section) return;
  const id = section.dataset.decision;
  const form = document.getElementById('appeal-form');
  const refused = document.getElementById('appeal-refused');
  const done = document.getElementById('appeal-done');
  const box = document.getElementById('appeal-statement');
  const [info, st] = await Promise.all([
    api('GET', '/api/v1/appeals/' + enc(id)).catch((e) => ({ error: e })),
    findStatement(id),
  ]);
  if (st) {
    box.append(statementView({ ...st, appeal_url: '' }));
    box.hidden = false;
  }
  if (info.error) {
    refused.textContent = info.error.status === 404 ? t('report.refused_missing') : info.error.message || t('error');
    refused.hidden = false;
    return;
  }
  if (!info.may_appeal) {
    refused.textContent = t('report.refused_' + info.reason);
    refused.hidden = false;
    return;
  }
  form.hidden = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const text = form.elements.explanation.value.trim();
    if (!text || text.length > 5000) {
      showAll(form, { explanation: t('report.err_appeal_explanation') });
      return;
    }
    const b = form.querySelector('button[type=submit]');
    b.disabled = true;
    try {
      await api('POST', '/api/v1/appeals', { decision_id: id, explanation: text });
      form.hidden = true;
      done.hidden = false;
    } catch (err) {
      b.disabled = false;
      if (err.status === 409) {
        form.hidden = true;
        refused.textContent = /already/i.test(err.message) ? t('report.refused_appealed') : t('report.refused_appeal_decision');
        refused.hidden = false;
      } else if (err.field === 'explanation') {
        showAll(form, { explanation: t('report.err_appeal_explanation') });
      } else if (err.status === 429) {
        showAll(form, { '': t('report.err_rate') });
      } else {
        showAll(form, { '': err.message || t('error') });
        toast(err.message || t('error'));
      }
    }
  });
}
