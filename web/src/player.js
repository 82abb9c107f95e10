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
    // Start on the lowest rendition (smallest first segment) and ask the
    // player not to climb before the clip plays. hls.js's size capping
    // still lifts this cap before the first frame (measured in
    // BENCHMARKS.md, section 12); turning size capping off made it worse.
    hls.autoLevelCapping = 0;
    video.addEventListener('playing', () => { hls.autoLevelCapping = -1; }, { once: true });
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
