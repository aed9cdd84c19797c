// The player's controls: play/pause, mute and volume (remembered), the LIVE button, stats,
// picture-in-picture, theatre mode and fullscreen, and their keyboard shortcuts. The buttons
// are rendered by the server (Player in ChannelPage+View.swift); this keeps their state true
// to the video. Theatre mode is layout.js's toggle: its button is clicked, so both agree.
const VOLUME_KEY = 'metropole.player.volume';
const MUTED_KEY = 'metropole.player.muted';
const BEHIND_AFTER = 2;   // seconds behind the edge before the LIVE button says so

function stored(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}

function store(key, value) {
  try { localStorage.setItem(key, value); } catch { /* private mode: not remembered */ }
}

function isEditable(element) {
  return element instanceof HTMLElement
    && (element.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName));
}

export class PlayerControls {
  constructor(player) {
    this.player = player;
    const root = player.root, video = player.video;
    const find = (selector) => root.querySelector(selector);
    this.play = find('[data-player-play]');
    this.mute = find('[data-player-mute]');
    this.volume = find('[data-player-volume]');
    this.live = find('[data-player-live]');
    this.liveText = find('[data-player-live-text]');
    this.pip = find('[data-player-pip]');
    this.fullscreen = find('[data-player-fullscreen]');
    this.theatre = find('[data-layout-toggle="theatre"]');
    this.statsToggle = find('[data-player-stats-toggle]');

    const volume = Number.parseFloat(stored(VOLUME_KEY));
    if (Number.isFinite(volume) && volume >= 0 && volume <= 1) video.volume = volume;
    if (stored(MUTED_KEY) === 'false') video.muted = false;

    this.play?.addEventListener('click', () => player.togglePlay());
    this.mute?.addEventListener('click', () => this.toggleMute());
    this.volume?.addEventListener('input', () => {
      video.volume = Number(this.volume.value);
      video.muted = video.volume === 0;
      this.remember();
    });
    this.live?.addEventListener('click', () => player.goLive());
    this.statsToggle?.addEventListener('click', () => player.stats.toggle());
    this.fullscreen?.addEventListener('click', () => this.toggleFullscreen());
    if (this.pip) {
      // Hidden where the browser has no picture-in-picture (or it is turned off).
      this.pip.hidden = !document.pictureInPictureEnabled || video.disablePictureInPicture;
      this.pip.addEventListener('click', () => this.togglePictureInPicture());
      video.addEventListener('enterpictureinpicture', () => this.update());
      video.addEventListener('leavepictureinpicture', () => this.update());
    }
    video.addEventListener('click', () => player.togglePlay());
    video.addEventListener('dblclick', () => this.toggleFullscreen());
    for (const name of ['play', 'pause', 'playing', 'volumechange']) video.addEventListener(name, () => this.update());
    document.addEventListener('fullscreenchange', () => this.update());
    document.addEventListener('keydown', (event) => this.onKey(event));
    this.timer = setInterval(() => this.updateLive(), 250);
    this.update();
  }

  toggleMute() {
    const video = this.player.video;
    video.muted = !video.muted;
    if (!video.muted && video.volume === 0) video.volume = 0.5;
    this.remember();
  }

  // Remembered only when the viewer changes it, not when autoplay rules mute the video.
  remember() {
    const video = this.player.video;
    if (video.volume > 0) store(VOLUME_KEY, String(video.volume));
    store(MUTED_KEY, String(video.muted));
  }

  toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else this.player.root.requestFullscreen?.().catch(() => {});
  }

  togglePictureInPicture() {
    if (document.pictureInPictureElement) document.exitPictureInPicture().catch(() => {});
    else this.player.video.requestPictureInPicture?.().catch(() => {});
  }

  // Shortcuts work while focus is in this player, or anywhere but a text field when it is the
  // page's only player. Space and Enter on a focused button stay the button's own.
  onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const root = this.player.root, target = event.target;
    const inside = target instanceof Node && root.contains(target);
    if (!inside) {
      if (isEditable(target) || document.querySelectorAll('[data-player]').length > 1) return;
      if (target instanceof HTMLElement && target.closest('button, a, summary') && event.key === ' ') return;
    } else if (target.tagName === 'BUTTON' && (event.key === ' ' || event.key === 'Enter')) {
      return;
    }
    if (this.player.root.dataset.live !== 'true') return;
    const actions = {
      ' ': () => this.player.togglePlay(),
      k: () => this.player.togglePlay(),
      m: () => this.toggleMute(),
      f: () => this.toggleFullscreen(),
      t: () => this.theatre?.click(),
      i: () => this.player.stats.toggle(),
    };
    const action = actions[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  update() {
    const video = this.player.video;
    this.play?.setAttribute('aria-pressed', String(!video.paused));
    this.mute?.setAttribute('aria-pressed', String(video.muted));
    if (this.volume) this.volume.value = String(video.muted ? 0 : video.volume);
    this.fullscreen?.setAttribute('aria-pressed', String(document.fullscreenElement === this.player.root));
    this.pip?.setAttribute('aria-pressed', String(document.pictureInPictureElement === video));
    this.updateLive();
  }

  // "LIVE" at the edge; "Behind by 12 s" (and a click away from the edge) when the viewer
  // paused or fell more than BEHIND_AFTER behind.
  updateLive() {
    if (!this.live) return;
    const video = this.player.video;
    const behind = this.player.behind;
    const isBehind = video.paused || !this.player.chasing || behind > BEHIND_AFTER;
    this.live.dataset.state = isBehind ? 'behind' : 'live';
    this.live.dataset.behind = behind.toFixed(1);
    this.liveText.textContent = isBehind ? `Behind by ${Math.round(behind)} s` : 'LIVE';
  }
}
