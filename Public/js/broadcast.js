// "Go live from this browser": camera and microphone (or a screen) published over WHIP
// (RFC 9725) to this server, the same way OBS does it: one POST with the offer, the stream key
// as the Bearer token, the answer back; DELETE on the session's URL to stop. The server is
// ICE-lite and its answer lists its candidate, so nothing is trickled.
const root = document.querySelector('[data-broadcast]');
const preview = root.querySelector('[data-broadcast-preview]');
const toggle = root.querySelector('[data-broadcast-toggle]');
const status = root.querySelector('[data-broadcast-status]');
const sourcePicker = root.querySelector('#broadcast-source');
const cameraPicker = root.querySelector('#broadcast-camera');
const microphonePicker = root.querySelector('#broadcast-microphone');

let media = null;       // the MediaStream being previewed (and sent while live)
let connection = null;  // the RTCPeerConnection while live
let session = null;     // the WHIP session URL while live

function say(text) { status.textContent = text; }

async function capture() {
  media?.getTracks().forEach((track) => track.stop());
  const screen = sourcePicker.value === 'screen';
  const audio = microphonePicker.value ? { deviceId: { exact: microphonePicker.value } } : true;
  if (screen) {
    media = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 30 }, audio: true });
    if (!media.getAudioTracks().length) {
      const microphone = await navigator.mediaDevices.getUserMedia({ audio });
      microphone.getAudioTracks().forEach((track) => media.addTrack(track));
    }
  } else {
    const video = cameraPicker.value ? { deviceId: { exact: cameraPicker.value } } : { width: 1280, height: 720 };
    media = await navigator.mediaDevices.getUserMedia({ video, audio });
  }
  preview.srcObject = media;
  cameraPicker.disabled = screen;
}

async function listDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [picker, kind] of [[cameraPicker, 'videoinput'], [microphonePicker, 'audioinput']]) {
    const chosen = picker.value;
    picker.replaceChildren(...devices.filter((device) => device.kind === kind).map((device, index) => {
      const option = document.createElement('option');
      option.value = device.deviceId;
      option.textContent = device.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${index + 1}`;
      return option;
    }));
    if (chosen) picker.value = chosen;
  }
}

// The server takes H.264 video (every encoder's common ground) and Opus audio.
function preferH264(transceiver) {
  const codecs = RTCRtpSender.getCapabilities?.('video')?.codecs ?? [];
  const h264 = codecs.filter((codec) => codec.mimeType.toLowerCase() === 'video/h264');
  if (h264.length && transceiver.setCodecPreferences) transceiver.setCodecPreferences(h264);
}

async function goLive() {
  toggle.disabled = true;
  say('Connecting…');
  connection = new RTCPeerConnection();
  for (const track of media.getTracks()) {
    const transceiver = connection.addTransceiver(track, { direction: 'sendonly', streams: [media] });
    if (track.kind === 'video') preferH264(transceiver);
  }
  connection.addEventListener('connectionstatechange', () => {
    const state = connection?.connectionState;
    if (state === 'connected') { say('You are live.'); root.dataset.state = 'live'; }
    if (state === 'failed' || state === 'disconnected') { say('The connection dropped.'); stop(); }
  });
  await connection.setLocalDescription(await connection.createOffer());
  const response = await fetch(root.dataset.whipUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${root.dataset.streamKey}` },
    body: connection.localDescription.sdp,
  });
  if (response.status !== 201) {
    let message = `The server refused the stream (${response.status}).`;
    try { message = (await response.json()).error.message; } catch { /* keep the status */ }
    throw new Error(message);
  }
  // Relative to the endpoint that answered (an ingest node of another origin, on a big site).
  session = new URL(response.headers.get('Location'), response.url).href;
  await connection.setRemoteDescription({ type: 'answer', sdp: await response.text() });
  toggle.textContent = 'Stop';
  toggle.classList.replace('btn-primary', 'btn-danger');
  toggle.disabled = false;
}

async function stop() {
  const ending = session;
  const closing = connection;
  session = null;
  connection = null;
  // DELETE first: closing the connection sends DTLS close_notify, which already ends the
  // session on the server, and the DELETE would then find nothing.
  if (ending) {
    await fetch(ending, { method: 'DELETE', keepalive: true, headers: { Authorization: `Bearer ${root.dataset.streamKey}` } })
      .catch(() => {});
  }
  closing?.close();
  root.dataset.state = 'idle';
  toggle.textContent = 'Go live';
  toggle.classList.replace('btn-danger', 'btn-primary');
  toggle.disabled = false;
  if (ending) say('Stream ended.');
}

toggle.addEventListener('click', () => {
  const action = connection ? stop() : goLive();
  action.catch((error) => { say(error.message); stop(); });
});
for (const picker of [sourcePicker, cameraPicker, microphonePicker]) {
  picker.addEventListener('change', () => {
    if (connection) return; // the devices of a live stream stay as they are
    capture().then(listDevices).catch((error) => say(error.message));
  });
}
window.addEventListener('pagehide', () => { if (session) stop(); });

capture()
  .then(listDevices)
  .then(() => { toggle.disabled = false; say('Ready.'); root.dataset.state = 'idle'; })
  .catch((error) => say(`No camera or microphone: ${error.message}`));
