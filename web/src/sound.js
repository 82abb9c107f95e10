// The sound page (/sound/{id}): the sound's name (the creator's, or
// "original sound – @handle" in the page's language), the videos using
// it, "use this sound", and for its creator a form to name it. A sound
// moderators blocked is shown as unavailable. The server decides all of
// it; the page only shows what the API answers.
import { api } from './api.js';
import { safeHandle } from './caption.js';
import { t } from './i18n.js';
import { tile } from './search.js';
import { h, toast } from './ui.js';

// soundName is a sound's name in the page's language: its creator's, or
// the default (without a creator when the video it came from is gone).
export function soundName(sound) {
  if (sound.named) return sound.name;
  return sound.creator ? t('sound.original', '@' + safeHandle(sound.creator)) : t('sound.original_gone');
}

export async function initSoundPage() {
  const id = decodeURIComponent(location.pathname.split('/')[2] || '');
  const box = document.querySelector('.sound-videos');
  const title = document.querySelector('.sound-name');
  let page;
  try {
    page = await api('GET', '/api/v1/sounds/' + encodeURIComponent(id) + '/videos', undefined, { redirectOn401: false });
  } catch {
    box.replaceChildren(h('p', { class: 'notice' }, t('sound.none')));
    return;
  }
  const sound = page.sound;
  title.textContent = '♪ ' + soundName(sound);
  if (sound.blocked) {
    box.replaceChildren(h('p', { class: 'notice sound-blocked', role: 'status' }, t('sound.blocked')));
    return;
  }
  const use = document.querySelector('.sound-use');
  const first = (page.items || []).find((v) => v.id === id) || (page.items || [])[0];
  if (first) {
    use.href = '/upload?' + new URLSearchParams({ remix: 'sound', of: first.id });
    use.hidden = false;
  }
  box.replaceChildren((page.items || []).length ? h('ul', { class: 'grid' }, ...page.items.map(tile)) : h('p', { class: 'notice' }, t('sound.none')));
  const me = document.querySelector('.nav-me');
  if (sound.creator && me && me.getAttribute('href') === '/@' + sound.creator) nameForm(id, sound, title);
}

// nameForm lets the creator name their sound (an empty name goes back to
// the default).
function nameForm(id, sound, title) {
  const input = h('input', { name: 'sound_name', maxlength: '80', value: sound.named ? sound.name : '', placeholder: t('sound.original', '@' + safeHandle(sound.creator)) });
  const form = h(
    'form',
    { class: 'sound-rename stack' },
    h('label', {}, t('sound.name_label'), input),
    h('p', { class: 'error', role: 'alert' }),
    h('button', { type: 'submit', class: 'button' }, t('sound.save')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const slot = form.querySelector('.error');
    slot.textContent = '';
    input.removeAttribute('aria-invalid');
    try {
      const v = await api('PATCH', '/api/v1/videos/' + encodeURIComponent(id), { sound_name: input.value });
      sound.named = !!v.sound_name;
      sound.name = v.sound_name || '';
      title.textContent = '♪ ' + soundName(sound);
      toast(t('sound.saved'));
    } catch (err) {
      // The page's language, not the API's English: a refused name (too
      // long, a word not allowed) or anything else.
      slot.textContent = err.field === 'sound_name' ? t('sound.name_refused') : t('error');
      if (err.field) input.setAttribute('aria-invalid', 'true');
    }
  });
  document.querySelector('.soundpage').append(form);
}
