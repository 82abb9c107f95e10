// The profile picture in settings: choose a file, drag and zoom it in a
// square frame, and send the file as it is with the square to keep (in
// the picture's pixels as shown); the server crops, re-encodes and strips
// every bit of metadata. Without a choice the centre square is kept.
import { api, clearErrors } from './api.js';
import { t } from './i18n.js';
import { h, toast } from './ui.js';
import { showApiError, showFieldErrors } from './settings.js';

const types = ['image/jpeg', 'image/png', 'image/webp'];
const maxBytes = 10 << 20;

export function initAvatar() {
  const form = document.getElementById('picture-form');
  if (!form) return;
  const input = form.querySelector('#picture-file');
  const cropper = form.querySelector('.cropper');
  const frame = form.querySelector('.crop-frame');
  const img = form.querySelector('.crop-image');
  const zoom = form.querySelector('#picture-zoom');
  const current = form.querySelector('.current-avatar');
  const initial = form.querySelector('.current-initial');
  const remove = form.querySelector('[data-action="avatar-remove"]');
  let file = null;
  let url = '';
  // The picture's size as shown, its scale and top-left offset in the frame.
  const st = { w: 0, h: 0, base: 1, ox: 0, oy: 0, z: 1 };

  const show = (avatarURL) => {
    current.hidden = !avatarURL;
    initial.hidden = !!avatarURL;
    remove.hidden = !avatarURL;
    if (avatarURL) current.src = avatarURL;
  };
  document.addEventListener('kurz:settings', (e) => {
    if (!file) show(e.detail.avatar_url);
  });

  const size = () => frame.clientWidth || 260;
  const scale = () => st.base * Number(zoom.value);
  const clamp = () => {
    const f = size();
    const s = scale();
    st.ox = Math.min(0, Math.max(f - st.w * s, st.ox));
    st.oy = Math.min(0, Math.max(f - st.h * s, st.oy));
  };
  const draw = () => {
    clamp();
    const s = scale();
    img.style.width = st.w * s + 'px';
    img.style.height = st.h * s + 'px';
    img.style.transform = `translate(${st.ox}px, ${st.oy}px)`;
  };
  const crop = () => {
    const s = scale();
    const side = Math.min(st.w, st.h, Math.floor(size() / s));
    const x = Math.min(st.w - side, Math.max(0, Math.round(-st.ox / s)));
    const y = Math.min(st.h - side, Math.max(0, Math.round(-st.oy / s)));
    return { x, y, side };
  };

  input.addEventListener('change', () => {
    clearErrors(form);
    const f = input.files && input.files[0];
    if (!f) return;
    if (!types.includes(f.type)) {
      showFieldErrors(form, { picture: t('avatar.err_not_picture') });
      return;
    }
    if (f.size > maxBytes) {
      showFieldErrors(form, { picture: t('avatar.err_too_large') });
      return;
    }
    file = f;
    if (url) URL.revokeObjectURL(url);
    url = URL.createObjectURL(f);
    img.onload = () => {
      st.w = img.naturalWidth;
      st.h = img.naturalHeight;
      cropper.hidden = false;
      st.base = size() / Math.min(st.w, st.h);
      zoom.value = '1';
      st.z = 1;
      const s = scale();
      st.ox = (size() - st.w * s) / 2;
      st.oy = (size() - st.h * s) / 2;
      draw();
    };
    img.onerror = () => {
      file = null;
      cropper.hidden = true;
      showFieldErrors(form, { picture: t('avatar.err_not_picture') });
    };
    img.src = url;
  });

  zoom.addEventListener('input', () => {
    // Zoom about the frame's centre.
    const f = size() / 2;
    const before = st.base * st.z;
    const cx = (f - st.ox) / before;
    const cy = (f - st.oy) / before;
    st.z = Number(zoom.value);
    const after = scale();
    st.ox = f - cx * after;
    st.oy = f - cy * after;
    draw();
  });
  let drag = null;
  frame.addEventListener('pointerdown', (e) => {
    drag = { x: e.clientX, y: e.clientY, ox: st.ox, oy: st.oy };
    frame.setPointerCapture(e.pointerId);
  });
  frame.addEventListener('pointermove', (e) => {
    if (!drag) return;
    st.ox = drag.ox + e.clientX - drag.x;
    st.oy = drag.oy + e.clientY - drag.y;
    draw();
  });
  const stop = () => {
    drag = null;
  };
  frame.addEventListener('pointerup', stop);
  frame.addEventListener('pointercancel', stop);
  frame.addEventListener('keydown', (e) => {
    const step = 10;
    const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    st.ox += m[0];
    st.oy += m[1];
    draw();
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!file) {
      showFieldErrors(form, { picture: t('avatar.err_choose') });
      return;
    }
    const c = crop();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const res = await fetch(`/api/v1/me/avatar?x=${c.x}&y=${c.y}&side=${c.side}`, {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { 'Content-Type': file.type, Accept: 'application/json' },
        body: file,
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        const er = data.error || {};
        showApiError(form, { status: res.status, code: er.code, message: er.message, field: er.field || 'picture' });
        return;
      }
      file = null;
      input.value = '';
      cropper.hidden = true;
      show(data.avatar_url);
      toast(t('avatar.saved'));
    } catch (err) {
      showApiError(form, { status: 0, message: err.message });
    } finally {
      button.disabled = false;
    }
  });

  remove.addEventListener('click', async () => {
    clearErrors(form);
    try {
      await api('DELETE', '/api/v1/me/avatar');
      show('');
      toast(t('avatar.removed'));
    } catch (err) {
      showApiError(form, err);
    }
  });
}

// face is what an avatar circle holds: the person's picture when its
// address is one of ours, else their initial.
export function face(avatarURL, letter) {
  if (typeof avatarURL === 'string' && /^\/avatars\/[a-z]{2,8}_[A-Za-z0-9]+\/[0-9a-f]{16}\.jpg$/.test(avatarURL)) {
    return h('img', { class: 'avatar-img', src: avatarURL, alt: '', loading: 'lazy', decoding: 'async' });
  }
  return letter;
}
