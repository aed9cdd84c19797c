import { api } from './api.js';
import { siteURL } from './urls.js';

// Dashboard: show/hide and copy for keys, confirmation for destructive forms, live health.
for (const button of document.querySelectorAll('[data-toggle-secret]')) {
  const input = document.getElementById(button.dataset.toggleSecret);
  button.addEventListener('click', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    button.textContent = show ? 'Hide' : 'Show';
    button.setAttribute('aria-pressed', String(show));
  });
}

for (const button of document.querySelectorAll('[data-copy]')) {
  const input = document.getElementById(button.dataset.copy);
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      input.select();
      document.execCommand('copy');
    }
    const label = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = label; }, 1500);
  });
}


const panel = document.querySelector('[data-health-panel]');
if (panel) {
  const show = (key, value) => {
    const cell = panel.querySelector(`[data-health="${key}"]`);
    if (cell) cell.textContent = value ?? '—';
  };
  const refresh = async () => {
    const response = await fetch(siteURL('ownStreamHealth'), { headers: { Accept: 'application/json' } });
    if (!response.ok) return;
    const h = await response.json();
    show('status', h.isLive ? 'Live' : 'Offline');
    show('videoCodec', h.videoCodec);
    show('audioCodec', h.audioCodec);
    show('resolution', h.width && h.height ? `${h.width}×${h.height}` : null);
    show('frameRate', h.frameRate != null ? `${h.frameRate} fps` : null);
    show('bitrate', h.bitrate != null ? `${Math.round(h.bitrate / 1000)} kbps` : null);
    show('keyframeInterval', h.keyframeInterval != null ? `${h.keyframeInterval} s` : null);
    show('uptime', h.uptimeSeconds != null ? `${h.uptimeSeconds} s` : null);
    show('viewerCount', String(h.viewerCount));
    const recording = { off: 'Off', idle: 'On', recording: 'Recording', paused: `Paused: ${h.recordingPausedReason ?? 'writes fail'}` };
    show('recording', recording[h.recording]);
  };
  setInterval(() => refresh().catch(() => {}), 2000);
}

// Stream title and chat settings: saved through the API, at once for the toggles.

function saved(form, text) {
  const status = form.querySelector('[data-saved]');
  if (status) status.textContent = text;
}

const titleForm = document.querySelector('[data-stream-form]');
titleForm?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = titleForm.querySelector('[data-error-for="title"]');
  error.hidden = true;
  try {
    await api('PATCH', siteURL('ownStream'), { title: titleForm.elements.title.value });
    saved(titleForm, 'Saved');
  } catch (failure) {
    error.textContent = failure.message;
    error.hidden = false;
  }
});

const keepThumbnailForm = document.querySelector('[data-keep-thumbnail-form]');
keepThumbnailForm?.addEventListener('change', async () => {
  try {
    await api('PATCH', siteURL('ownStream'), { keepUploadedThumbnail: keepThumbnailForm.querySelector('#keepUploadedThumbnail').checked });
    saved(keepThumbnailForm, 'Saved');
  } catch (failure) {
    saved(keepThumbnailForm, failure.message);
  }
});

const chatForm = document.querySelector('[data-chat-settings]');
chatForm?.addEventListener('change', async () => {
  const body = {
    chatEnabled: chatForm.querySelector('#chatEnabled').checked,
    followersOnly: chatForm.querySelector('#followersOnly').checked,
    slowModeSeconds: Number(chatForm.querySelector('#slowModeSeconds').value),
  };
  try {
    await api('PATCH', siteURL('ownStream'), body);
    saved(chatForm, 'Saved');
  } catch (failure) {
    saved(chatForm, failure.message);
  }
});
