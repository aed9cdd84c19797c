// The live player: Media Source Extensions fed by the WebSocket fMP4 feed, kept close to the
// live edge; native HLS where MSE is missing (iOS Safari). One instance per [data-player].
// The controls (player-controls.js) and the stats panel (player-stats.js) read its state;
// `root.dataset.state` is one of idle, playing, reconnecting, offline, ejected (decision 0047).
import { codecsFromInitSegment } from './mp4-codecs.js';
import { CloseCode } from './close-codes.js';
import { viewerId } from './viewer-id.js';
import { PlayerControls } from './player-controls.js';
import { PlayerStats } from './player-stats.js';

const TARGET_LATENCY = 0.5;   // seconds behind the newest frame we aim for
const SPEED_UP_ABOVE = 1.0;   // play slightly faster beyond this
const JUMP_ABOVE = 3.0;       // seek to the edge beyond this
const KEEP_BEHIND = 20;       // seconds of played media kept in the buffer
const RETRY_FIRST = 1000;     // ms before the first reconnect; doubled each time
const RETRY_MAX = 10000;      // ms, the longest wait between reconnects

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
    // Whether latency control keeps playback at the live edge: off while the viewer chose to
    // be behind (paused, then resumed), on again with the LIVE button.
    this.chasing = true;
    this.bytesReceived = 0;
    this.lastMediaAt = 0;
    this.video.muted = true;
    this.controls = new PlayerControls(this);
    this.stats = new PlayerStats(this);
    this.unmute?.addEventListener('click', () => {
      this.video.muted = false;
      this.controls.remember();
      this.video.play().catch(() => {});
      this.showUnmute();
    });
    this.video.addEventListener('volumechange', () => this.showUnmute());
    this.video.addEventListener('waiting', () => this.onStall());
    document.addEventListener('metropole:live', (event) => {
      if (event.detail.username !== this.channel) return;
      if (event.detail.node) this.playFrom(event.detail.node);
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
    this.chasing = true;
    this.offline.hidden = true;
    this.setState('idle');
    this.say('');
    // A stream on an external provider has no WebSocket feed: its HLS plays natively.
    if (this.canUseMSE && this.root.dataset.ws) this.connect();
    else this.playNativeHLS();
  }

  playNativeHLS() {
    this.mode = 'hls';
    this.video.src = `${this.root.dataset.hls}?viewer=${viewerId()}`;
    this.playOrMute();
    // A live HLS that fails (a first segment cut mid-way, a provider restarting) is loaded
    // again, backing off, while the channel is live.
    this.video.onerror = () => {
      if (!this.live || this.socket) return;
      const delay = this.nextRetryDelay();
      this.setState('reconnecting');
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => { if (this.live && !this.socket) this.playNativeHLS(); }, delay);
    };
    this.video.onplaying = () => { this.retries = 0; this.setState('playing'); };
  }

  // On a site of several nodes the stream plays from the ingest node that holds it: the
  // "live" event names it, and the feed's paths move there.
  playFrom(node) {
    for (const key of ['ws', 'hls']) {
      if (!this.root.dataset[key]) continue;
      this.root.dataset[key] = new URL(new URL(this.root.dataset[key], location.href).pathname, node).href;
    }
  }

  connect() {
    this.mode = 'mse';
    // A path on this site, or an absolute URL naming another node.
    const url = new URL(this.root.dataset.ws, location.href);
    if (url.protocol === 'http:' || url.protocol === 'https:') url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('viewer', viewerId());
    const socket = new WebSocket(url.href);
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

  // A feed that closed without the stream's end message (a server restart, a network drop):
  // try again after 1 s, 2 s, 4 s… up to RETRY_MAX, until it answers or the channel goes offline.
  reconnectSoon() {
    const delay = this.nextRetryDelay();
    this.setState('reconnecting');
    this.root.dataset.retryDelay = String(delay);
    this.say('Reconnecting…');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => { if (this.live && !this.socket) this.connect(); }, delay);
  }

  nextRetryDelay() {
    const delay = Math.min(RETRY_FIRST * 2 ** this.retries, RETRY_MAX);
    this.retries += 1;
    return delay;
  }

  setState(state) {
    this.root.dataset.state = state;
    this.controls.update();
  }

  // Plays with the remembered sound; a browser that refuses sound without a gesture gets the
  // muted video and the Unmute button.
  playOrMute() {
    return this.video.play().catch(() => {
      if (this.video.muted) return;
      this.video.muted = true;
      return this.video.play().catch(() => {});
    }).finally(() => this.showUnmute());
  }

  onMessage(data) {
    if (typeof data === 'string') {
      let message = {};
      try { message = JSON.parse(data); } catch { return; }
      if (message.type === 'end') this.stop('offline');
      return;
    }
    this.bytesReceived += data.byteLength;
    this.lastMediaAt = performance.now();
    if (!this.initialized) {
      this.initialized = true;
      this.retries = 0;
      this.say('');
      this.setState('playing');
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
    // A new media source (first start, or after a reconnect) starts at the live edge.
    this.started = false;
    this.chasing = true;
    // The old source buffer is gone with its media source: nothing is appended until the new
    // one opens.
    this.sourceBuffer = null;
    const mediaSource = new MediaSourceType();
    this.mediaSource = mediaSource;
    mediaSource.addEventListener('sourceopen', () => {
      if (this.mediaSource !== mediaSource) return;
      const buffer = mediaSource.addSourceBuffer(type);
      buffer.mode = 'segments';
      buffer.addEventListener('updateend', () => { if (this.sourceBuffer === buffer) { this.keepUp(); this.pump(); } });
      this.sourceBuffer = buffer;
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
      this.playOrMute();
      return;
    }
    const latency = edge - this.video.currentTime;
    this.root.dataset.latency = latency.toFixed(3);
    if (!this.chasing || this.video.paused) {
      this.video.playbackRate = 1;
    } else if (latency > JUMP_ABOVE) {
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
      if (!this.live || !ranges.length || this.video.paused) return;
      const edge = ranges.end(ranges.length - 1);
      // Data is there but playback is stuck (a gap): skip to the edge.
      if (edge - this.video.currentTime > 0.3) this.video.currentTime = edge - TARGET_LATENCY;
      else if (this.socket === null) this.reconnectSoon();
    }, 1500);
  }

  // The newest moment playback could show: the end of the buffer (MSE) or of the seekable
  // window (native HLS); null before there is media.
  get edge() {
    const ranges = this.mode === 'hls' ? this.video.seekable : this.video.buffered;
    return ranges.length ? ranges.end(ranges.length - 1) : null;
  }

  // Seconds between the playhead and the edge.
  get behind() {
    const edge = this.edge;
    return edge === null ? 0 : Math.max(edge - this.video.currentTime, 0);
  }

  // The LIVE button: back to the edge, latency control on, playing.
  goLive() {
    this.chasing = true;
    const edge = this.edge;
    if (edge !== null) this.video.currentTime = Math.max(edge - TARGET_LATENCY, 0);
    this.video.playbackRate = 1;
    this.playOrMute();
    this.controls.update();
  }

  togglePlay() {
    if (this.video.paused) {
      this.playOrMute();
    } else {
      // Paused on purpose: playback stays where it is (behind) until the LIVE button.
      this.chasing = false;
      this.video.pause();
    }
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
    this.setState(reason);
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
