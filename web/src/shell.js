// The app shell: the service worker (installable app, offline page) and
// the inbox's unread badge in the navigation.
import { api } from './api.js';
import { t, viewer } from './i18n.js';

// registerWorker installs the service worker (see web/shell.go): it keeps
// the offline page and nothing personal.
export function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
}

// SEEN_KEY holds when the inbox was last opened on this device.
const SEEN_KEY = 'kurz.inbox.seen';

// showUnread fills the navigation's badge with a count (0 hides it).
export function showUnread(n) {
  for (const b of document.querySelectorAll('[data-unread-badge]')) {
    b.textContent = n > 99 ? '99+' : String(n);
    b.hidden = !(n > 0);
    const link = b.closest('a');
    if (link) {
      if (n > 0) link.setAttribute('title', t('shell.unread', n));
      else link.removeAttribute('title');
    }
  }
}

// refreshUnreadFallback counts the notifications newer than the inbox's
// last opening on this device. It stands in until the inbox's own
// refreshUnread (with read state kept by the server) lands; swap the
// call in initShell for that one.
export async function refreshUnreadFallback() {
  if (!viewer()) return;
  if (document.body.dataset.page === 'inbox') {
    localStorage.setItem(SEEN_KEY, new Date().toISOString());
    showUnread(0);
    return;
  }
  try {
    const r = await api('GET', '/api/v1/me/notifications', undefined, { redirectOn401: false });
    const seen = Date.parse(localStorage.getItem(SEEN_KEY) || '') || 0;
    showUnread(((r && r.items) || []).filter((n) => Date.parse(n.created_at) > seen).length);
  } catch {
    showUnread(0);
  }
}

export function initShell() {
  registerWorker();
  refreshUnreadFallback();
  const retry = document.querySelector('.offline [data-action="retry"]');
  if (retry) {
    retry.addEventListener('click', (e) => {
      e.preventDefault();
      location.reload();
    });
  }
}
