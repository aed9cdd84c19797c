// Live status and viewer counts pushed by the server (Server-Sent Events), applied to every
// element on the page that names a channel: LIVE badges, viewer counts, uptime.
// The stream is opened per page and closed when the page is left: a browser keeps at most six
// connections per host, and streams left open by earlier pages (kept in the back/forward
// cache) would otherwise hold them until the server's next heartbeat.
import { siteURL } from './urls.js';

let source = null;

function connect() {
  source = new EventSource(siteURL('events'));
  source.onmessage = onEvent;
}

window.addEventListener('pagehide', () => { source?.close(); source = null; });
window.addEventListener('pageshow', (event) => { if (event.persisted || !source) connect(); });
connect();

function onEvent(event) {
  let data;
  try { data = JSON.parse(event.data); } catch { return; }
  if (data.type === 'live') {
    for (const element of document.querySelectorAll(`[data-channel="${CSS.escape(data.username)}"]`)) {
      element.dataset.live = String(data.isLive);
      element.querySelectorAll('.sidebar-title').forEach((title) => { if (!data.isLive) title.textContent = 'Offline'; });
      element.querySelectorAll('[data-live-badge]').forEach((badge) => { badge.hidden = !data.isLive; });
      element.querySelectorAll('[data-viewer-count]').forEach((count) => { count.hidden = !data.isLive; });
      element.querySelectorAll('.avatar-ring').forEach((ring) => ring.classList.toggle('is-live', data.isLive));
    }
    document.dispatchEvent(new CustomEvent('metropole:live', { detail: data }));
  } else if (data.type === 'viewers') {
    for (const element of document.querySelectorAll(`[data-channel="${CSS.escape(data.username)}"] [data-viewer-count]`)) {
      element.textContent = `${data.count}${element.dataset.suffix ?? ''}`;
    }
    document.dispatchEvent(new CustomEvent('metropole:viewers', { detail: data }));
  }
}

// Uptime counters.
function formatUptime(seconds) {
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = Math.floor(seconds) % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}
setInterval(() => {
  for (const element of document.querySelectorAll('[data-started-at]')) {
    const started = Date.parse(element.dataset.startedAt);
    if (!Number.isNaN(started)) element.textContent = formatUptime((Date.now() - started) / 1000);
  }
}, 1000);
