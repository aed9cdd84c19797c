// Reads what the players need from fMP4: the RFC 6381 codecs string ("avc1.64001f,mp4a.40.2",
// or "avc1.64001f,opus" for WHIP publishers) of an init segment, so the player asks MSE for
// exactly what the publisher sends, and where a media segment starts on its own clock.

function* boxes(view, start, end) {
  let offset = start;
  while (offset + 8 <= end) {
    let size = view.getUint32(offset);
    const type = String.fromCharCode(view.getUint8(offset + 4), view.getUint8(offset + 5),
      view.getUint8(offset + 6), view.getUint8(offset + 7));
    let header = 8;
    if (size === 1) { size = Number(view.getBigUint64(offset + 8)); header = 16; }
    if (size === 0) size = end - offset;
    if (size < header || offset + size > end) return;
    yield { type, start: offset + header, end: offset + size };
    offset += size;
  }
}

function child(view, box, type) {
  for (const b of boxes(view, box.start, box.end)) if (b.type === type) return b;
  return null;
}

const hex = (n) => n.toString(16).padStart(2, '0');

function avcCodec(view, entry) {
  // avc1 sample entry: 8 bytes SampleEntry + 70 bytes VisualSampleEntry fields, then boxes.
  const avcC = child(view, { start: entry.start + 78, end: entry.end }, 'avcC');
  if (!avcC) return 'avc1.42e01e';
  return `avc1.${hex(view.getUint8(avcC.start + 1))}${hex(view.getUint8(avcC.start + 2))}${hex(view.getUint8(avcC.start + 3))}`;
}

function aacCodec(view, entry) {
  // mp4a sample entry: 8 + 20 bytes, then esds (full box) with descriptors.
  const esds = child(view, { start: entry.start + 28, end: entry.end }, 'esds');
  if (!esds) return 'mp4a.40.2';
  let offset = esds.start + 4;
  const readDescriptor = () => {
    const tag = view.getUint8(offset++);
    let length = 0;
    for (let i = 0; i < 4; i++) {
      const byte = view.getUint8(offset++);
      length = (length << 7) | (byte & 0x7f);
      if (!(byte & 0x80)) break;
    }
    return { tag, length };
  };
  try {
    let d = readDescriptor();                 // ES_Descriptor
    if (d.tag !== 3) return 'mp4a.40.2';
    const flags = view.getUint8(offset + 2);
    offset += 3;
    if (flags & 0x80) offset += 2;
    if (flags & 0x40) offset += 1 + view.getUint8(offset);
    if (flags & 0x20) offset += 2;
    d = readDescriptor();                     // DecoderConfigDescriptor
    if (d.tag !== 4) return 'mp4a.40.2';
    offset += 13;
    d = readDescriptor();                     // DecoderSpecificInfo: AudioSpecificConfig
    if (d.tag !== 5) return 'mp4a.40.2';
    const objectType = view.getUint8(offset) >> 3;
    return `mp4a.40.${objectType || 2}`;
  } catch {
    return 'mp4a.40.2';
  }
}

// The trak boxes of an init segment's moov.
function* traks(view) {
  const moov = [...boxes(view, 0, view.byteLength)].find((b) => b.type === 'moov');
  if (!moov) return;
  for (const box of boxes(view, moov.start, moov.end)) if (box.type === 'trak') yield box;
}

export function codecsFromInitSegment(buffer) {
  const view = new DataView(buffer);
  const codecs = [];
  for (const trak of traks(view)) {
    const stsd = ['mdia', 'minf', 'stbl', 'stsd'].reduce((box, type) => box && child(view, box, type), trak);
    if (!stsd) continue;
    for (const entry of boxes(view, stsd.start + 8, stsd.end)) {
      if (entry.type === 'avc1' || entry.type === 'avc3') codecs.push(avcCodec(view, entry));
      else if (entry.type === 'mp4a') codecs.push(aacCodec(view, entry));
      else if (entry.type === 'Opus') codecs.push('opus'); // the CMAF/MSE name for the 'Opus' entry
    }
  }
  return codecs;
}

// Each track's id, timescale and whether it is video, from an init segment.
export function tracksFromInitSegment(buffer) {
  const view = new DataView(buffer);
  const tracks = [];
  for (const trak of traks(view)) {
    const tkhd = child(view, trak, 'tkhd');
    const mdia = child(view, trak, 'mdia');
    const mdhd = mdia && child(view, mdia, 'mdhd');
    const hdlr = mdia && child(view, mdia, 'hdlr');
    if (!tkhd || !mdhd || !hdlr) continue;
    const wide = view.getUint8(tkhd.start) === 1;
    const id = view.getUint32(tkhd.start + (wide ? 20 : 12));
    const timescale = view.getUint32(mdhd.start + (view.getUint8(mdhd.start) === 1 ? 20 : 12));
    const handler = String.fromCharCode(...new Uint8Array(buffer, hdlr.start + 8, 4));
    tracks.push({ id, timescale, video: handler === 'vide' });
  }
  return tracks;
}

// The presentation time, in seconds, of the first sample of the first moof's video track
// (of its first track when there is no video): baseMediaDecodeTime plus that sample's
// composition offset. `null` if the segment does not say.
export function firstPresentationTime(buffer, tracks) {
  const view = new DataView(buffer);
  const moof = [...boxes(view, 0, view.byteLength)].find((b) => b.type === 'moof');
  if (!moof) return null;
  const found = [];
  for (const traf of boxes(view, moof.start, moof.end)) {
    if (traf.type !== 'traf') continue;
    const tfhd = child(view, traf, 'tfhd');
    const tfdt = child(view, traf, 'tfdt');
    const trun = child(view, traf, 'trun');
    const track = tfhd && tracks.find((t) => t.id === view.getUint32(tfhd.start + 4));
    if (!track || !tfdt || !trun) continue;
    const decode = view.getUint8(tfdt.start) === 1 ? Number(view.getBigUint64(tfdt.start + 4)) : view.getUint32(tfdt.start + 4);
    const version = view.getUint8(trun.start);
    const flags = view.getUint32(trun.start) & 0xffffff;
    let offset = trun.start + 8;                 // version and flags, sample count
    if (flags & 0x1) offset += 4;                // data offset
    if (flags & 0x4) offset += 4;                // first sample flags
    offset += [0x100, 0x200, 0x400].filter((bit) => flags & bit).length * 4;
    let composition = 0;
    if (flags & 0x800 && offset + 4 <= trun.end) composition = version === 1 ? view.getInt32(offset) : view.getUint32(offset);
    found.push({ track, seconds: (decode + composition) / track.timescale });
  }
  const chosen = found.find((f) => f.track.video) || found[0];
  return chosen ? chosen.seconds : null;
}
