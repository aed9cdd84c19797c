// Site-wide behaviour; page-specific modules load only where their elements exist.
import './live-status.js';
import './layout.js';
import './social.js';

if (document.querySelector('[data-player]')) import('./player.js');
if (document.querySelector('[data-vod-player]')) import('./vod-player.js');
if (document.querySelector('.page-dashboard')) import('./dashboard.js');
if (document.querySelector('[data-thumbnail-form], [data-avatar-form]')) import('./uploads.js');
if (document.querySelector('[data-chat]')) import('./chat.js');
if (document.querySelector('[data-broadcast]')) import('./broadcast.js');
if (document.querySelector('.stream-card')) import('./card-thumbnails.js');

// "/" focuses the search box, as on the platforms viewers come from.
const search = document.querySelector('[data-hotkey="/"]');
document.addEventListener('keydown', (event) => {
  if (event.key !== '/' || !search) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
  event.preventDefault();
  search.focus();
});
