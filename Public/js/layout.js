// Theatre mode, hide chat, collapse sidebar: flipped in place, remembered in a cookie the server
// reads to render the next page the same way (no flash of the wrong layout).
const COOKIE = 'metropole_layout';
const CLASSES = { theatre: 'is-theatre', nochat: 'is-chat-hidden', collapsed: 'is-sidebar-collapsed' };

function current() {
  const match = document.cookie.split('; ').find((part) => part.startsWith(`${COOKIE}=`));
  return new Set((match ? decodeURIComponent(match.slice(COOKIE.length + 1)) : '').split('.').filter((t) => t in CLASSES));
}

function save(toggles) {
  const value = Object.keys(CLASSES).filter((t) => toggles.has(t)).join('.');
  document.cookie = `${COOKIE}=${encodeURIComponent(value)}; path=/; max-age=31536000; samesite=lax`;
}

document.addEventListener('click', (event) => {
  const button = event.target.closest('[data-layout-toggle]');
  if (!button) return;
  event.preventDefault();
  const toggle = button.dataset.layoutToggle;
  const toggles = current();
  if (toggles.has(toggle)) toggles.delete(toggle); else toggles.add(toggle);
  save(toggles);
  const on = toggles.has(toggle);
  document.body.classList.toggle(CLASSES[toggle], on);
  document.querySelectorAll(`[data-layout-toggle="${toggle}"]`).forEach((b) => b.setAttribute('aria-pressed', String(on)));
});

// Below 768 px the sidebar hides behind the top bar's menu button.
const opener = document.querySelector('[data-sidebar-open]');
opener?.addEventListener('click', () => {
  const open = document.body.classList.toggle('is-sidebar-open');
  opener.setAttribute('aria-expanded', String(open));
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && document.body.classList.contains('is-sidebar-open')) {
    document.body.classList.remove('is-sidebar-open');
    opener?.setAttribute('aria-expanded', 'false');
    opener?.focus();
  }
});
