// The stats panel: what the viewer's player sees (resolution, bitrate from the bytes received
// over the last seconds, buffer, delay behind live, dropped frames), refreshed every second
// while it is open.
const PERIOD = 1000;

export class PlayerStats {
  constructor(player) {
    this.player = player;
    this.panel = player.root.querySelector('[data-player-stats]');
    this.button = player.root.querySelector('[data-player-stats-toggle]');
    this.fields = {};
    for (const field of this.panel?.querySelectorAll('[data-stat]') ?? []) this.fields[field.dataset.stat] = field;
  }

  get isOpen() { return Boolean(this.panel && !this.panel.hidden); }

  toggle() {
    if (!this.panel) return;
    this.panel.hidden = !this.panel.hidden;
    this.button?.setAttribute('aria-pressed', String(this.isOpen));
    clearInterval(this.timer);
    if (!this.isOpen) return;
    this.sample = { bytes: this.player.bytesReceived, at: performance.now() };
    this.render(null);
    this.timer = setInterval(() => this.tick(), PERIOD);
  }

  tick() {
    const now = performance.now(), bytes = this.player.bytesReceived;
    const seconds = (now - this.sample.at) / 1000;
    // Bytes counted off the WebSocket feed; native HLS is fetched by the browser, unseen here.
    const bitrate = this.player.mode === 'mse' && seconds > 0 ? ((bytes - this.sample.bytes) * 8) / seconds : null;
    this.sample = { bytes, at: now };
    this.render(bitrate);
  }

  render(bitrate) {
    const { video } = this.player;
    const set = (key, text) => { if (this.fields[key]) this.fields[key].textContent = text; };
    set('resolution', video.videoWidth ? `${video.videoWidth}x${video.videoHeight}` : '—');
    if (bitrate !== null) set('bitrate', `${Math.round(bitrate / 1000)} kbps`);
    const ranges = video.buffered;
    const ahead = ranges.length ? Math.max(ranges.end(ranges.length - 1) - video.currentTime, 0) : 0;
    set('buffer', `${ahead.toFixed(2)} s`);
    // Behind live: the media not yet shown, plus how long ago the newest media came.
    const stale = this.player.lastMediaAt ? (performance.now() - this.player.lastMediaAt) / 1000 : 0;
    set('delay', `${(this.player.behind + (this.player.mode === 'mse' ? stale : 0)).toFixed(2)} s`);
    const quality = video.getVideoPlaybackQuality?.();
    set('dropped', quality ? `${quality.droppedVideoFrames} of ${quality.totalVideoFrames}` : '—');
  }
}
