// The upload page: tus upload with a real progress bar that resumes after
// a dropped connection (retryDelays) or a reload (the fingerprint and
// upload URL are kept in localStorage), then polls the video until it is
// ready or failed.
import * as tus from 'tus-js-client';
import { api, clearErrors, errorOf, lang, showErrors, signinURL } from './api.js';
import { t } from './i18n.js';
import { attach } from './player.js';

const ENDPOINT = '/api/v1/uploads/';

function pct(n) {
  return `${Math.floor(n)}%`;
}

export function initUpload() {
  const form = document.getElementById('upload-form');
  if (!form) return;
  const remix = remixMeta();
  const note = form.querySelector('.remix-note');
  if (note && ['sound', 'duet', 'stitch'].includes(remix.remix)) {
    note.textContent = remix.layout === 'top' ? t('sound.using_duet_top') : t('remix.using.' + remix.remix);
    note.hidden = false;
  }
  const fileInput = form.elements.namedItem('file');
  const drop = form.querySelector('.drop');
  const dropName = form.querySelector('.drop-name');
  const fileError = form.querySelector('[data-error-for="file"]');
  const progressBox = document.querySelector('.progress-box');
  const progress = document.getElementById('upload-progress');
  const progressText = document.querySelector('.progress-text');
  const pauseBtn = document.querySelector('.pause-upload');
  const processing = document.querySelector('.processing');
  const processingText = document.querySelector('.processing-text');
  const processingBar = document.querySelector('.processing-progress');
  const result = document.querySelector('.result');
  const resultText = document.querySelector('.result-text');
  const resultLink = document.querySelector('.result-link');
  const resultVideo = document.querySelector('.result video');
  const resumable = document.querySelector('.resumable');
  let file = null;
  let upload = null;
  let videoID = '';
  let running = false;

  // Tell about unfinished uploads from an earlier visit; picking the same
  // file again resumes it (tus matches it by fingerprint).
  tus.defaultOptions.urlStorage
    ?.findAllUploads()
    .then((list) => {
      const names = [...new Set(list.map((u) => (u.metadata && u.metadata.filename) || '').filter(Boolean))];
      if (names.length) {
        resumable.textContent = t('resumable', names.join(', '));
        resumable.hidden = false;
      }
    })
    .catch(() => {});

  function pick(f) {
    fileError.textContent = '';
    if (!f) return;
    if (f.type && !f.type.startsWith('video/')) {
      fileError.textContent = t('not_video');
      return;
    }
    file = f;
    dropName.textContent = f.name;
  }
  fileInput.addEventListener('change', () => pick(fileInput.files[0]));
  for (const ev of ['dragenter', 'dragover']) {
    drop.addEventListener(ev, (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
  }
  for (const ev of ['dragleave', 'drop']) {
    drop.addEventListener(ev, () => drop.classList.remove('over'));
  }
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    pick(e.dataTransfer.files[0]);
  });

  function setProgress(sent, total) {
    const p = total ? (sent / total) * 100 : 0;
    progress.value = p;
    progress.setAttribute('aria-valuetext', pct(p));
    progressText.textContent = running ? t('uploading', pct(p)) : t('paused', pct(p));
  }

  pauseBtn.addEventListener('click', () => {
    if (!upload) return;
    if (running) {
      running = false;
      upload.abort();
      pauseBtn.textContent = t('resume_upload');
      setProgress(progress.value, 100);
    } else {
      running = true;
      pauseBtn.textContent = t('pause_upload');
      upload.start();
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!file) {
      fileError.textContent = t('no_file');
      return;
    }
    const caption = form.elements.namedItem('caption').value;
    const visibility = form.elements.namedItem('visibility').value;
    upload = new tus.Upload(file, {
      endpoint: ENDPOINT,
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      headers: { 'Accept-Language': lang() },
      metadata: { filename: file.name, filetype: file.type || 'application/octet-stream', caption, visibility, ...remixMeta() },
      onAfterResponse(req, res) {
        const id = res.getHeader('Kurz-Video-Id');
        if (id) videoID = id;
      },
      onShouldRetry(err, attempt, options) {
        const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
        if (status === 401 || status === 403 || status === 413 || status === 400) return false;
        if (!status) progressText.textContent = t('offline');
        return true;
      },
      onProgress(sent, total) {
        setProgress(sent, total);
      },
      onError(err) {
        running = false;
        const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
        if (status === 401) {
          location.assign(signinURL());
          return;
        }
        let data = null;
        try {
          data = JSON.parse(err.originalResponse.getBody());
        } catch {
          /* not JSON */
        }
        showErrors(form, errorOf(status, data, t('error')));
        pauseBtn.textContent = t('resume_upload');
      },
      onSuccess() {
        running = false;
        if (!videoID && upload.url) {
          videoID = decodeURIComponent(new URL(upload.url, location.href).pathname.split('/').filter(Boolean).pop() || '');
        }
        progressBox.hidden = true;
        poll();
      },
    });
    // Resume an earlier attempt at the same file, if there is one.
    try {
      const previous = await upload.findPreviousUploads();
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
    } catch {
      /* no storage: start fresh */
    }
    form.hidden = true;
    resumable.hidden = true;
    progressBox.hidden = false;
    running = true;
    setProgress(0, 1);
    upload.start();
  });

  async function poll() {
    processing.hidden = false;
    processingText.textContent = t('processing');
    let delay = 1000;
    let playing = false;
    const play = (v) => {
      result.hidden = false;
      resultLink.href = '/v/' + encodeURIComponent(v.id || videoID);
      if (v.poster_url) resultVideo.poster = v.poster_url;
      resultVideo.muted = true;
      attach(resultVideo, v.hls_url);
      resultVideo.play().catch(() => {});
      playing = true;
    };
    for (;;) {
      try {
        const v = await api('GET', `/api/v1/videos/${encodeURIComponent(videoID)}`);
        if (v.status === 'processing' || v.status === 'playable') {
          // The percent of the step under way, from ffmpeg's progress:
          // toward playable, then (playing already) toward ready.
          const pct = Math.max(0, Math.min(100, Math.round(v.progress || 0)));
          processingBar.value = pct;
          processingText.textContent = t(v.status === 'playable' ? 'playable' : 'processing_at', pct);
          if (v.status === 'playable' && !playing) {
            resultText.textContent = '';
            play(v);
          }
        }
        if (v.status === 'ready') {
          processing.hidden = true;
          result.hidden = false;
          resultText.textContent = t('ready');
          if (!playing) play(v);
          return;
        }
        if (v.status === 'failed') {
          processing.hidden = true;
          result.hidden = false;
          resultText.textContent = t('failed', v.error || t('error'));
          resultText.classList.add('error');
          resultVideo.parentElement.hidden = true;
          resultLink.hidden = true;
          return;
        }
      } catch (e) {
        if (e.status === 404 || e.status === 401) {
          processingText.textContent = e.message;
          return;
        }
        // Network trouble: keep polling.
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 1.5, 2000);
    }
  }
}

// remixMeta is the remix an upload page was opened for (/upload?remix=
// sound|duet|stitch&of=<video>), as tus metadata; the server decides
// whether that video may be used.
function remixMeta() {
  const p = new URLSearchParams(location.search);
  const kind = p.get('remix');
  const of = p.get('of');
  if (!kind || !of) return {};
  // A duet's layout: side by side unless top (the clip above the source).
  return kind === 'duet' && p.get('layout') === 'top' ? { remix: kind, remix_of: of, layout: 'top' } : { remix: kind, remix_of: of };
}
