// Player: hls.js (light build) where Media Source Extensions exist, the
// browser's own HLS otherwise (Safari, iOS).
import Hls from 'hls.js/light';

const players = new WeakMap();

// attach loads url into video, once. preload starts fetching at once so a
// clip that is swiped to next starts without waiting.
export function attach(video, url) {
  if (!url || players.has(video)) return;
  if (Hls.isSupported()) {
    const hls = new Hls({
      enableWorker: false, // workers from blob: URLs are refused by our CSP
      capLevelToPlayerSize: true,
      maxBufferLength: 10,
      startLevel: 0,
    });
    hls.on(Hls.Events.ERROR, (_, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
      else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
    });
    // Start on the lowest rendition (smallest first segment) and stay on
    // it until the clip plays: a level chosen by hand (loadLevel) holds
    // against the bandwidth estimate and the size capping, which would
    // otherwise switch up after the first segment (on a fast link the
    // estimate is high) and fetch a larger second one before the first
    // frame. Once it plays, the choice goes back to hls.js (-1: auto).
    hls.on(Hls.Events.MANIFEST_PARSED, () => { hls.loadLevel = 0; });
    video.addEventListener('playing', () => { hls.loadLevel = -1; }, { once: true });
    hls.loadSource(url);
    hls.attachMedia(video);
    players.set(video, hls);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = url;
    players.set(video, null);
  }
}

// detach frees a far-away clip's buffers.
export function detach(video) {
  if (!players.has(video)) return;
  const hls = players.get(video);
  video.pause();
  if (hls) hls.destroy();
  else {
    video.removeAttribute('src');
    video.load();
  }
  players.delete(video);
}

export function attached(video) {
  return players.has(video);
}
