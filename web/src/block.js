// Block and mute: the menu on a profile page and the list in the
// settings. The server decides what a block or a mute does; this only
// asks, after the person confirmed in plain words.
import { api } from './api.js';
import { getBoot, t } from './i18n.js';
import { h, toast } from './ui.js';

// confirmAction shows the page's confirmation dialog for an action (kind
// "block" or "mute", on = doing it, not undoing it) on handle, and
// resolves to whether the person confirmed.
function confirmAction(kind, on, handle) {
  const dialog = document.querySelector('dialog.block-confirm');
  const verb = (on ? '' : 'un') + kind;
  if (!dialog || typeof dialog.showModal !== 'function') return Promise.resolve(true);
  dialog.querySelector('h2').textContent = t(`block.confirm_${verb}_title`, handle);
  dialog.querySelector('.block-confirm-text').textContent = t(`block.confirm_${verb}`, handle);
  dialog.querySelector('.block-confirm-ok').textContent = t(`block.${verb}`);
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}

async function setRelation(kind, on, handle) {
  if (!(await confirmAction(kind, on, handle))) return false;
  await api(on ? 'PUT' : 'DELETE', `/api/v1/users/${encodeURIComponent(handle)}/${kind}`);
  toast(t(`block.done_${on ? '' : 'un'}${kind}`, handle));
  return true;
}

// initBlockMenu wires the Block and Mute buttons of a profile page.
export function initBlockMenu() {
  const handle = getBoot().handle;
  for (const btn of document.querySelectorAll('.block-menu .block-toggle')) {
    btn.addEventListener('click', async () => {
      const kind = btn.dataset.kind;
      const on = btn.dataset.on !== 'true';
      try {
        if (!(await setRelation(kind, on, handle))) return;
        // A block changes the whole page (follow button, videos).
        if (kind === 'block') {
          location.reload();
          return;
        }
        btn.dataset.on = String(on);
        btn.textContent = t(`block.${on ? 'un' : ''}${kind}`);
      } catch (err) {
        if (err.status !== 401) toast(err.message || t('error'));
      }
    });
  }
}

// initBlocked fills the settings list of blocked and muted people, each
// with its undo button.
export function initBlocked() {
  const lists = [document.getElementById('blocked-list'), document.getElementById('muted-list')];
  const error = document.getElementById('blocked-error');
  if (lists.includes(null)) return;
  const load = async () => {
    const page = await api('GET', '/api/v1/me/blocks');
    for (const list of lists) {
      const kind = list.dataset.kind;
      const items = (page.items || []).filter((it) => it.kind === kind);
      const row = (it) =>
        h('li', { 'data-handle': it.handle },
          h('a', { href: `/@${encodeURIComponent(it.handle)}` }, it.display_name ? `${it.display_name} (@${it.handle})` : `@${it.handle}`), ' ',
          h('button', {
            type: 'button', class: 'button small', 'data-action': `un${kind}`,
            onclick: async () => {
              error.textContent = '';
              try {
                if (await setRelation(kind, false, it.handle)) await load();
              } catch (err) {
                if (err.status !== 401) error.textContent = err.message || t('error');
              }
            },
          }, t(`block.un${kind}`)));
      list.replaceChildren(...(items.length ? items.map(row) : [h('li', { class: 'empty' }, list.dataset.empty)]));
    }
  };
  load().catch((err) => {
    if (err.status !== 401) error.textContent = err.message || t('error');
  });
}
