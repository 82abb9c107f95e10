// Entry point: reads the page's JSON block and starts the page's script.
import { isMuted, play, setMuted, wireClip } from './clip.js';
import { initFeed } from './feed.js';
import { initModAudit, initModItem, initModQueue, initTransparency } from './mod.js';
import { initFollowers, initProfile, initSettings, initSignin, initSignout, initSignup } from './forms.js';
import { initAccount, initPasskeys, initTwoFactor } from './account.js';
import { initBlocked, initBlockMenu } from './block.js';
import { setBoot } from './i18n.js';
import { initSettingsPage } from './settings.js';
import { initAvatar } from './avatar.js';
import { attach } from './player.js';
import { initDiscover, initRemixActions, initSearch } from './search.js';
import { initSoundPage } from './sound.js';
import { initUpload } from './upload.js';
import { initShell } from './shell.js';
import { initStudio } from './studio.js';
import { initInbox, refreshUnread } from './inbox.js';
import { initAppeal, initReports, wireReportButtons } from './report.js';
import { initToast } from './ui.js';

function readBoot() {
  const el = document.getElementById('kurz-boot');
  try {
    return JSON.parse(el ? el.textContent : '{}') || {};
  } catch {
    return {};
  }
}

function initVideoPage(boot) {
  const section = document.querySelector('.single .clip');
  const video = section && section.querySelector('video');
  if (!video || !boot.video) return;
  attach(video, boot.video.hls_url);
  wireClip(section, video, boot.video);
  play(video);
  document.addEventListener('keydown', (e) => {
    const tag = e.target && e.target.tagName;
    if (/^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(tag) || document.querySelector('dialog[open]')) return;
    if (e.key === ' ') {
      e.preventDefault();
      if (video.paused) video.play().catch(() => {});
      else video.pause();
    } else if (e.key === 'm') {
      setMuted(!isMuted());
    }
  });
}

function initEmbed() {
  const video = document.querySelector('.embed-player video');
  if (video) attach(video, video.dataset.hls);
}

function start() {
  const boot = readBoot();
  // The messages come in their own static file, loaded just before this
  // script (msgasset.go), not in the page's JSON block.
  boot.t = self.kurzT || {};
  setBoot(boot);
  initToast();
  initSignout();
  initShell();
  refreshUnread();
  // Any script (the nav bar's) may ask for a fresh count.
  document.addEventListener('kurz:refresh-unread', refreshUnread);
  switch (boot.page) {
    case 'feed':
      initFeed();
      break;
    case 'upload':
      initUpload();
      break;
    case 'search':
      initSearch();
      break;
    case 'discover':
      initDiscover();
      break;
    case 'sound':
      initSoundPage();
      break;
    case 'signin':
      initSignin();
      initPasskeys();
      break;
    case 'signup':
      initSignup();
      break;
    case 'profile':
      initProfile();
      wireReportButtons();
      initBlockMenu();
      break;
    case 'blocked':
      initBlocked();
      break;
    case 'settings':
      initSettings();
      initTwoFactor();
      initPasskeys();
      initSettingsPage();
      initAvatar();
      break;
    case 'account':
      initAccount();
      break;
    case 'followers':
      initFollowers();
      break;
    case 'video':
      initVideoPage(boot);
      initRemixActions();
      break;
    case 'embed':
      initEmbed();
      break;
    case 'mod':
      initModQueue();
      break;
    case 'moditem':
      initModItem();
      break;
    case 'modaudit':
      initModAudit();
      break;
    case 'transparency':
      initTransparency();
      break;
    case 'studio':
      initStudio();
    case 'inbox':
      initInbox();
      break;
    case 'reports':
      initReports();
      break;
    case 'appeal':
      initAppeal();
      break;
    default:
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
