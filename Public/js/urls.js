// Every URL the browser code calls, as the server builds them (`SiteURL.browserTable`), read
// once from the page, so routes and scripts never drift apart.
const table = JSON.parse(document.getElementById('site-urls')?.textContent ?? '{}');

export function siteURL(name, params = {}) {
  const template = table[name];
  if (template === undefined) throw new Error(`No site URL named ${name}`);
  return template.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(params[key] ?? ''));
}
