// One random id per browser, so the viewer count counts people, not sockets or tabs.
export function viewerId() {
  const key = 'metropole.viewer';
  try {
    let id = localStorage.getItem(key);
    if (!id) {
      id = crypto.randomUUID().replaceAll('-', '');
      localStorage.setItem(key, id);
    }
    return id;
  } catch {
    return crypto.randomUUID().replaceAll('-', '');
  }
}
