// Thumbnail and avatar uploads through the API, with the server's refusal shown by the field.
import { api } from './api.js';
import { siteURL } from './urls.js';

function wire(selector, url, errorId, onDone) {
  const form = document.querySelector(selector);
  if (!form) return;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = form.querySelector('input[type=file]');
    const error = document.getElementById(errorId);
    const file = input.files[0];
    error.hidden = true;
    if (!file) { error.textContent = 'Choose an image first.'; error.hidden = false; return; }
    try {
      const result = await api('PUT', url, file, file.type || 'application/octet-stream');
      onDone(result);
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    }
  });
}

wire('[data-thumbnail-form]', siteURL('ownThumbnail'), 'thumbnail-error', ({ thumbnailUrl }) => {
  const thumb = document.querySelector('.thumb-preview .thumb');
  if (!thumb) return;
  thumb.classList.remove('thumb-placeholder');
  let img = thumb.querySelector('img');
  if (!img) { img = document.createElement('img'); img.alt = ''; thumb.prepend(img); thumb.querySelector('.thumb-initial')?.remove(); }
  img.src = thumbnailUrl;
});

wire('[data-avatar-form]', siteURL('ownAvatar'), 'avatar-error', () => location.reload());
