// Calls the JSON API from pages: same-origin cookie session plus the page's CSRF token.
import { siteURL } from './urls.js';

export const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? '';

// `url` is a path from `siteURL`.
export async function api(method, url, body, contentType = 'application/json') {
  const headers = { 'X-CSRF-Token': csrfToken(), Accept: 'application/json' };
  let payload = body;
  if (body !== undefined && contentType === 'application/json') payload = JSON.stringify(body);
  if (body !== undefined) headers['Content-Type'] = contentType;
  const response = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
  let data = null;
  if (response.status !== 204) {
    try { data = await response.json(); } catch { data = null; }
  }
  if (!response.ok) {
    const error = new Error(data?.error?.message ?? `Request failed (${response.status})`);
    error.status = response.status;
    error.code = data?.error?.code;
    throw error;
  }
  return data;
}

/// Replaces the sidebar with a fresh server rendering (after follow/unfollow).
export async function refreshSidebar() {
  const response = await fetch(siteURL('sidebar'), { credentials: 'same-origin' });
  if (!response.ok) return;
  const sidebar = document.getElementById('sidebar');
  if (sidebar) sidebar.innerHTML = await response.text();
}
