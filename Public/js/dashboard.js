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

for (const form of document.querySelectorAll('form[data-confirm]')) {
  form.addEventListener('submit', (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

const panel = document.querySelector('[data-health-panel]');
if (panel) {
  const show = (key, value) => {
    const cell = panel.querySelector(`[data-health="${key}"]`);
    if (cell) cell.textContent = value ?? '—';
  };
  const refresh = async () => {
    const response = await fetch('/api/v1/me/stream/health', { headers: { Accept: 'application/json' } });
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
  };
  setInterval(() => refresh().catch(() => {}), 2000);
}
