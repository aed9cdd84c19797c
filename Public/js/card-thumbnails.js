// Live card pictures while a page stays open: about twice per server picture interval, one
// request for the live channels' card URLs, and each card whose URL changed takes the new
// picture. The server names every picture by when it was taken, and picks it (a creator may
// keep their uploaded thumbnail), so a card only ever shows what a reload would.
import { siteURL } from './urls.js';

const seconds = Number(document.body.dataset.cardRefreshSeconds);

async function refresh() {
  const cards = document.querySelectorAll('.stream-card[data-channel]');
  if (document.hidden || cards.length === 0) return;
  let streams;
  try {
    const response = await fetch(`${siteURL('streams')}?live=true&limit=100`, { credentials: 'same-origin' });
    if (!response.ok) return;
    streams = await response.json();
  } catch {
    return;
  }
  const pictures = new Map(streams.map((stream) => [stream.username, stream.thumbnailUrl]));
  for (const card of cards) {
    const url = pictures.get(card.dataset.channel);
    const thumb = card.querySelector('.thumb');
    if (!url || !thumb) continue;
    let image = thumb.querySelector('img');
    if (image?.getAttribute('src') === url) continue;
    if (!image) {
      image = document.createElement('img');
      image.alt = '';
      image.decoding = 'async';
      thumb.querySelector('.thumb-initial')?.remove();
      thumb.classList.remove('thumb-placeholder');
      thumb.prepend(image);
    }
    image.src = url;
  }
}

if (seconds > 0) {
  setInterval(refresh, seconds * 1000);
  // A channel that just went live gets its first picture within a few seconds.
  document.addEventListener('metropole:live', (event) => { if (event.detail.isLive) setTimeout(refresh, 4000); });
}
