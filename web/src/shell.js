// The app shell: the service worker (installable app, offline page). The
// navigation's unread badge is inbox.js's (refreshUnread).

// registerWorker installs the service worker (see web/shell.go): it keeps
// the offline page and nothing personal.
export function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
}

export function initShell() {
  registerWorker(); // the unread badge: inbox.js's refreshUnread, called by app.js
  const retry = document.querySelector('.offline [data-action="retry"]');
  if (retry) {
    retry.addEventListener('click', (e) => {
      e.preventDefault();
      location.reload();
    });
  }
}
