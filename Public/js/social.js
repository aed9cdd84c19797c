// Follow / unfollow without a reload; the forms still work without JavaScript.
import { api, refreshSidebar } from './api.js';
import { siteURL } from './urls.js';

for (const form of document.querySelectorAll('[data-follow-form]')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button');
    const name = form.dataset.channelName;
    const following = button.dataset.following === 'true';
    button.disabled = true;
    try {
      await api(following ? 'DELETE' : 'PUT', siteURL('following', { username: name }));
      const now = !following;
      button.dataset.following = String(now);
      button.textContent = now ? 'Unfollow' : 'Follow';
      button.className = now ? 'btn btn-secondary' : 'btn btn-primary';
      form.action = form.action.replace(/\/(un)?follow$/, now ? '/unfollow' : '/follow');
      const count = document.querySelector('[data-follower-count]');
      if (count) {
        const n = Number(count.dataset.followerCount) + (now ? 1 : -1);
        count.dataset.followerCount = String(n);
        count.textContent = `${n} follower${n === 1 ? '' : 's'}`;
      }
      await refreshSidebar();
    } catch (error) {
      button.title = error.message;
    } finally {
      button.disabled = false;
    }
  });
}

for (const form of document.querySelectorAll('form[data-confirm]')) {
  form.addEventListener('submit', (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
