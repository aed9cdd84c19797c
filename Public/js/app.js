// Site-wide behaviour: keyboard shortcut for search. Pages add their own modules.
const search = document.querySelector('[data-hotkey="/"]');
document.addEventListener('keydown', (event) => {
  if (event.key !== '/' || !search) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
  event.preventDefault();
  search.focus();
});
