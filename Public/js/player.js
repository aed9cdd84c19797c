// The live player: Media Source Extensions fed by the WebSocket fMP4 feed, kept close to the
// live edge; native HLS where MSE is missing (iOS Safari). One instance per [data-player].
import { codecsFromInitSegment } from './mp4-codecs.js';
import { CloseCode } from './close-codes.js';
import { viewerId } from './viewer-id.js';

const TARGET_LATENCY = 0.5;   // seconds behind the newest frame we aim for
const SPEED_UP_ABOVE = 1.0;   // play slightly faster beyond this
const JUMP_ABOVE = 3.0;       // seek to the edge beyond this
const KEEP_BEHIND = 20;       // seconds of played media kept in the buffer

export class LivePlayer {
  constructor(root) {
    this.root = root;
    this.video = root.querySelector('video');
    this.offline = root.querySelector('.player-offline');
    this.message = root.querySelector('.player-message');
    this.unmute = root.querySelector('[data-unmute]');
    this.channel = root.dataset.channel;
    this.queue = [];
    this.retries = 0;
    this.live = root.dataset.live === 'true';
    this.video.muted = true;
    this.unmute?.addEventListener('click', () => { this.video.muted = false; this.video.play().catch(() => {}); this.showUnmute(); });
    this.video.addEventListener('volumechange', () => this.showUnmute());
    this.video.addEventListener('waiting', () => this.onStall());
    document.addEventListener('metropole:live', (event) => {
      if (event.detail.username !== this.channel) return;
      if (event.detail.isLive && !this.socket) this.start();
      if (!event.detail.isLive) this.stop('offline');
    });
    document.addEventListener('metropole:ejected', (event) => {
      if (event.detail.username === this.channel) this.stop('ejected');
    });
    if (this.live) this.start();
  }

  get canUseMSE() {
    return 'MediaSource' in window || 'ManagedMediaSource' in window;
  }

  start() {
    this.live = true;
    this.offline.hidden = true;
    this.say('');
    // A stream on an external provider has no WebSocket feed: its HLS plays natively.
    if (this.canUseMSE && this.root.dataset.ws) this.connect();
    else this.playNativeHLS();
  }

  playNativeHLS() {
    this.video.src = `${this.root.dataset.hls}?viewer=${viewerId()}`;
    this.video.play().catch(() => this.showUnmute());
    // A live HLS that fails (a first segment cut mid-way, a provider restarting) is loaded
    // again, backing off, while the channel is live.
    this.video.onerror = () => {
      if (!this.live || this.socket) return;
      const delay = Math.min(1000 * 2 ** this.retries, 10000);
      this.retries += 1;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => { if (this.live && !this.socket) this.playNativeHLS(); }, delay);
    };
    this.video.onplaying = () => { this.retries = 0; };
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}${this.root.dataset.ws}?viewer=${viewerId()}`);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.initialized = false;
    socket.onmessage = (event) => this.onMessage(event.data);
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (event.code === CloseCode.EJECTED) { this.stop('ejected'); return; }
      if (this.live) this.reconnectSoon();
    };
  }

  reconnectSoon() {
    const delay = Math.min(1000 * 2 ** this.retries, 10000);
    this.retries += 1;
    this.say('Reconnecting…');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => { if (this.live && !this.socket) this.connect(); }, delay);
  }

  onMessage(data) {
    if (typeof data === 'string') {
      let message = {};
      try { message = JSON.parse(data); } catch { return; }
      if (message.type === 'end') this.stop('offline');
      return;
    }
    if (!this.initialized) {
      this.initialized = true;
      this.retries = 0;
      this.setUp(data);
      return;
    }
    this.queue.push(data);
    this.pump();
  }

  setUp(initSegment) {
    const codecs = codecsFromInitSegment(initSegment);
    const type = `video/mp4; codecs="${codecs.join(',')}"`;
    const MediaSourceType = window.ManagedMediaSource || window.MediaSource;
    if (!codecs.length || !MediaSourceType.isTypeSupported(type)) {
      this.say('This browser cannot play this stream.');
      return;
    }
    this.queue = [initSegment];
    this.mediaSource = new MediaSourceType();
    this.mediaSource.addEventListener('sourceopen', () => {
      this.sourceBuffer = this.mediaSource.addSourceBuffer(type);
      this.sourceBuffer.mode = 'segments';
      this.sourceBuffer.addEventListener('updateend', () => { this.keepUp(); this.pump(); });
      this.pump();
    }, { once: true });
    this.video.disableRemotePlayback = true;
    if (this.video.src) URL.revokeObjectURL(this.video.src);
    this.video.src = URL.createObjectURL(this.mediaSource);
  }

  pump() {
    const buffer = this.sourceBuffer;
    if (!buffer || buffer.updating || !this.queue.length || this.mediaSource.readyState !== 'open') return;
    const played = this.video.currentTime - KEEP_BEHIND;
    if (buffer.buffered.length && buffer.buffered.start(0) < played - 5) {
      buffer.remove(0, played);
      return;
    }
    try {
      buffer.appendBuffer(this.queue.length === 1 ? this.queue.shift() : this.concatQueue());
    } catch (error) {
      if (error.name === 'QuotaExceededError') {
        buffer.remove(0, Math.max(this.video.currentTime - 1, 0));
      } else {
        this.say('Playback error; reconnecting…');
        this.restart();
      }
    }
  }

  concatQueue() {
    const total = this.queue.reduce((sum, part) => sum + part.byteLength, 0);
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const part of this.queue.splice(0)) { joined.set(new Uint8Array(part), offset); offset += part.byteLength; }
    return joined.buffer;
  }

  // Latency control: aim for TARGET_LATENCY behind the newest frame we have.
  keepUp() {
    const ranges = this.video.buffered;
    if (!ranges.length) return;
    const edge = ranges.end(ranges.length - 1);
    if (this.video.paused && !this.started) {
      this.started = true;
      this.video.currentTime = Math.max(ranges.start(ranges.length - 1), edge - TARGET_LATENCY);
      this.video.play().then(() => this.showUnmute()).catch(() => this.showUnmute());
      return;
    }
    const latency = edge - this.video.currentTime;
    this.root.dataset.latency = latency.toFixed(3);
    if (latency > JUMP_ABOVE) {
      this.video.currentTime = edge - TARGET_LATENCY;
      this.video.playbackRate = 1;
    } else if (latency > SPEED_UP_ABOVE) {
      this.video.playbackRate = 1.1;
    } else if (latency < TARGET_LATENCY + 0.1) {
      this.video.playbackRate = 1;
    }
  }

  onStall() {
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      const ranges = this.video.buffered;
      if (!this.live || !ranges.length) return;
      const edge = ranges.end(ranges.length - 1);
      // Data is there but playback is stuck (a gap): skip to the edge.
      if (edge - this.video.currentTime > 0.3) this.video.currentTime = edge - TARGET_LATENCY;
      else if (this.socket === null) this.reconnectSoon();
    }, 1500);
  }

  restart() {
    this.started = false;
    this.sourceBuffer = null;
    this.socket?.close();
  }

  stop(reason) {
    this.live = false;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    this.started = false;
    this.sourceBuffer = null;
    this.queue = [];
    if (this.mediaSource?.readyState === 'open') { try { this.mediaSource.endOfStream(); } catch { /* already ended */ } }
    this.video.removeAttribute('src');
    this.video.load();
    this.offline.hidden = false;
    this.say(reason === 'ejected' ? 'You were removed from this channel by the streamer.' : '');
  }

  showUnmute() {
    if (this.unmute) this.unmute.hidden = !this.video.muted;
  }

  say(text) {
    if (this.message) this.message.textContent = text;
  }
}

for (const root of document.querySelectorAll('[data-player]')) {
  root.player = new LivePlayer(root);
}
