// Past broadcasts: the HLS VOD playlist played through Media Source Extensions, fetched one
// segment at a time around the playhead, so seeking anywhere only fetches the segment there;
// the browser's own HLS where there is no MSE (Safari on iOS). One per [data-vod-player].
import { codecsFromInitSegment, firstPresentationTime, tracksFromInitSegment } from './mp4-codecs.js';

const AHEAD = 20;   // seconds buffered ahead of the playhead
const BEHIND = 30;  // seconds of played media kept

// The segments of a VOD playlist, each with its init segment and its start on the timeline.
export function parsePlaylist(text, base) {
  const segments = [];
  let init = null, start = 0, duration = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-MAP:')) {
      const uri = /URI="([^"]+)"/.exec(line);
      if (uri) init = new URL(uri[1], base).href;
    } else if (line.startsWith('#EXTINF:')) {
      duration = parseFloat(line.slice(8));
    } else if (line && !line.startsWith('#') && duration !== null && init) {
      segments.push({ url: new URL(line, base).href, init, start, duration });
      start += duration;
      duration = null;
    }
  }
  return { segments, duration: start };
}

async function bytes(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(response.status === 403 ? 'The creator has blocked you.' : `The video could not be loaded (${response.status}).`);
  return response.arrayBuffer();
}

const once = (target, name) => new Promise((resolve) => target.addEventListener(name, resolve, { once: true }));

class VODPlayer {
  constructor(root) {
    this.root = root;
    this.video = root.querySelector('video');
    this.message = root.querySelector('.player-message');
    this.playlistURL = new URL(root.dataset.playlist, location.href).href;
    this.next = 0;          // index of the next segment to append
    this.appendedInit = null;
    this.inits = new Map();
    this.trackTables = new Map();
    this.generation = 0;    // bumped by each seek, so answers for an old position are dropped
    this.busy = false;
    this.start().catch((error) => this.fail(error));
  }

  async start() {
    const Source = window.MediaSource || window.ManagedMediaSource;
    if (!Source) {
      if (!this.video.canPlayType('application/vnd.apple.mpegurl')) throw new Error('This browser cannot play recorded videos.');
      this.video.src = this.playlistURL;
      return;
    }
    const response = await fetch(this.playlistURL, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`The video could not be loaded (${response.status}).`);
    this.playlist = parsePlaylist(await response.text(), this.playlistURL);
    if (!this.playlist.segments.length) throw new Error('This video has no recorded segments.');
    const first = await this.initSegment(this.playlist.segments[0].init);
    this.mime = `video/mp4; codecs="${codecsFromInitSegment(first)}"`;
    if (!Source.isTypeSupported(this.mime)) throw new Error('This browser cannot play this video’s format.');
    this.source = new Source();
    this.video.disableRemotePlayback = true;
    this.video.src = URL.createObjectURL(this.source);
    await once(this.source, 'sourceopen');
    this.source.duration = this.playlist.duration;
    this.buffer = this.source.addSourceBuffer(this.mime);
    // Each segment is placed at its playlist time (timestampOffset below), whatever its
    // media timestamps, so discontinuities and gaps in the recording need nothing more.
    // 'sequence' mode would place it by whichever frame the browser takes first, and Chromium
    // takes audio first from a segment that holds all its frames in one moof (decision 0049):
    // the video would then land a composition offset late and stall at each gap.
    this.buffer.mode = 'segments';
    this.video.addEventListener('seeking', () => this.seek());
    this.video.addEventListener('timeupdate', () => this.pump());
    this.root.dataset.ready = 'true';
    this.pump();
  }

  async initSegment(url) {
    if (!this.inits.has(url)) this.inits.set(url, await bytes(url));
    return this.inits.get(url);
  }

  // The tracks (ids, timescales) of an init segment, read once.
  async tracks(url) {
    if (!this.trackTables.has(url)) this.trackTables.set(url, tracksFromInitSegment(await this.initSegment(url)));
    return this.trackTables.get(url);
  }

  indexAt(time) {
    const segments = this.playlist.segments;
    const index = segments.findIndex((segment) => time < segment.start + segment.duration);
    return index < 0 ? segments.length - 1 : index;
  }

  bufferedAheadOf(time) {
    const ranges = this.buffer.buffered;
    for (let i = 0; i < ranges.length; i++) {
      if (ranges.start(i) <= time + 0.1 && time < ranges.end(i)) return ranges.end(i) - time;
    }
    return 0;
  }

  seek() {
    const time = this.video.currentTime;
    if (this.bufferedAheadOf(time) > 0) return;
    this.generation += 1;
    this.next = this.indexAt(time);
    if (this.buffer.updating) this.buffer.abort();
    this.busy = false;
    this.pump();
  }

  async pump() {
    if (this.busy || !this.buffer || this.buffer.updating) return;
    const now = this.video.currentTime;
    if (now - BEHIND > 1 && this.buffer.buffered.length && this.buffer.buffered.start(0) < now - BEHIND) {
      this.busy = true;
      await this.apply(() => this.buffer.remove(0, now - BEHIND));
      this.busy = false;
    }
    const segment = this.playlist.segments[this.next];
    if (!segment) {
      if (this.source.readyState === 'open' && !this.buffer.updating) this.source.endOfStream();
      return;
    }
    if (this.bufferedAheadOf(now) > AHEAD && segment.start > now) return;
    this.busy = true;
    const generation = this.generation;
    try {
      const init = segment.init !== this.appendedInit ? await this.initSegment(segment.init) : null;
      const media = await bytes(segment.url);
      if (generation !== this.generation) return;
      if (init) {
        const codecs = `video/mp4; codecs="${codecsFromInitSegment(init)}"`;
        if (codecs !== this.mime && this.buffer.changeType) { this.buffer.changeType(codecs); this.mime = codecs; }
        await this.apply(() => this.buffer.appendBuffer(init));
        this.appendedInit = segment.init;
      }
      if (generation !== this.generation) return;
      // The segment's first video picture goes to its playlist start.
      const first = firstPresentationTime(media, await this.tracks(segment.init));
      if (generation !== this.generation) return;
      this.buffer.timestampOffset = segment.start - (first ?? 0);
      await this.apply(() => this.buffer.appendBuffer(media));
      if (generation === this.generation) this.next += 1;
    } catch (error) {
      if (generation === this.generation) this.fail(error);
      return;
    } finally {
      if (generation === this.generation) this.busy = false;
    }
    this.pump();
  }

  // Runs one SourceBuffer operation and waits for its end.
  apply(operation) {
    const ended = once(this.buffer, 'updateend');
    operation();
    return ended;
  }

  fail(error) {
    this.message.textContent = error.message || String(error);
    this.root.dataset.error = 'true';
  }
}

for (const root of document.querySelectorAll('[data-vod-player]')) new VODPlayer(root);
