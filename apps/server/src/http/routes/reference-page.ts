import { createHash } from 'node:crypto';
import type { OpenApiDocument } from '@cariosan/protocol/openapi';

// The page must work offline and without a CDN, so its CSS and JS are inline. The script
// fetches `openapi.json` (relative, so a path prefix in front of the server still works)
// and renders it with DOM calls only: no innerHTML, so nothing in the document can inject.

const STYLE = `
:root{--fg:#1d2330;--muted:#5d6678;--line:#e3e6ec;--bg:#f7f8fa;--accent:#3a5bd9;font:15px/1.5 system-ui,sans-serif;color:var(--fg)}
body{margin:0;display:flex;min-height:100vh}
[hidden]{display:none!important}
nav{width:280px;flex:none;border-right:1px solid var(--line);background:var(--bg);padding:16px;position:sticky;top:0;height:100vh;overflow:auto;box-sizing:border-box}
nav h3{margin:16px 0 4px;font-size:13px;text-transform:uppercase;color:var(--muted)}
nav a{display:block;color:var(--fg);text-decoration:none;font-size:13px;padding:2px 0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
nav input{width:100%;box-sizing:border-box;padding:6px 8px;border:1px solid var(--line);border-radius:6px}
main{flex:1;padding:24px 32px;max-width:1000px}
h1{margin:0 0 4px}h2{margin:32px 0 8px;border-bottom:1px solid var(--line)}h4{margin:16px 0 4px}
details.op{border:1px solid var(--line);border-radius:8px;margin:8px 0;background:#fff}
details.op>summary{cursor:pointer;padding:8px 12px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
details.op>div{padding:0 16px 12px;border-top:1px solid var(--line)}
.m{font:bold 12px monospace;padding:2px 6px;border-radius:4px;color:#fff;min-width:52px;text-align:center}
.GET{background:#2f8f5b}.POST{background:#3a5bd9}.PUT{background:#a46a00}.PATCH{background:#8a4fbf}.DELETE{background:#c0392b}
.path{font:14px monospace}.sum{color:var(--muted)}.auth{margin-left:auto;font-size:12px;color:var(--muted);border:1px solid var(--line);border-radius:10px;padding:0 8px}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
code,.t{font-family:monospace;font-size:13px}.req{color:#c0392b}.note{color:var(--muted)}
td.nest{padding-left:24px;background:var(--bg)}a{color:var(--accent)}
details.schema{margin:6px 0}details.schema>summary{cursor:pointer;font:600 14px monospace}
`;

const SCRIPT = `
const h = (tag, attrs, ...kids) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const kid of kids.flat(9)) if (kid != null && kid !== false) el.append(kid instanceof Node ? kid : String(kid));
  return el;
};
const refName = (ref) => ref.split('/').pop();
const sep = (parts, s) => parts.flatMap((p, i) => (i ? [s, p] : [p]));
let doc;
const resolve = (ref) => ref.slice(2).split('/').reduce((n, k) => n && n[k], doc);
function typeOf(s) {
  if (!s) return 'any';
  if (s.$ref) return h('a', { href: '#schema-' + refName(s.$ref) }, refName(s.$ref));
  if (s.anyOf || s.oneOf) return sep((s.anyOf || s.oneOf).map(typeOf), ' | ');
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.type === 'array') return [typeOf(s.items), '[]'];
  return s.type || 'any';
}
function notes(s) {
  const out = [];
  for (const k of ['format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'maxItems', 'default'])
    if (s[k] !== undefined) out.push(k + ': ' + JSON.stringify(s[k]));
  if (s.additionalProperties === false) out.push('no other keys');
  return [s.description || '', out.length ? h('div', { class: 'note' }, out.join(' · ')) : ''];
}
const inlineObjects = (s) =>
  [s, s.items, ...(s.anyOf || []), ...(s.oneOf || [])].filter((x) => x && x.properties);
function schemaView(s) {
  if (!s) return h('span', { class: 'note' }, 'no body');
  if (!s.properties) return h('div', {}, h('span', { class: 't' }, typeOf(s)), ' ', notes(s));
  const required = new Set(s.required || []);
  const rows = Object.entries(s.properties).flatMap(([name, p]) => [
    h('tr', {}, h('td', { class: 't' }, name, required.has(name) ? h('span', { class: 'req' }, ' *') : ''),
      h('td', { class: 't' }, typeOf(p)), h('td', {}, notes(p))),
    ...inlineObjects(p).map((o) => h('tr', {}, h('td', { class: 'nest', colspan: '3' }, schemaView(o)))),
  ]);
  return h('div', {}, s.description ? h('p', { class: 'note' }, s.description) : '',
    h('table', {}, h('tr', {}, h('th', {}, 'field'), h('th', {}, 'type'), h('th', {}, 'notes')), rows));
}
function operation(method, path, op) {
  const params = (op.parameters || []).map((p) => (p.$ref ? resolve(p.$ref) : p));
  const requestBody = op.requestBody && (op.requestBody.$ref ? resolve(op.requestBody.$ref) : op.requestBody);
  const body = requestBody && requestBody.content['application/json'].schema;
  const bodyName = op.requestBody && op.requestBody.$ref ? refName(op.requestBody.$ref) : typeOf(body);
  return h('details', { class: 'op', id: 'op-' + op.operationId },
    h('summary', {}, h('span', { class: 'm ' + method }, method), h('span', { class: 'path' }, path),
      h('span', { class: 'sum' }, op.summary),
      h('span', { class: 'auth' }, op.security.length > 1 ? 'server key or user JWT' : 'server key only')),
    h('div', {},
      h('p', {}, op.description, ' ', h('span', { class: 'note' }, 'operationId: ', h('code', {}, op.operationId))),
      params.length ? [h('h4', {}, 'Parameters'), h('table', {},
        h('tr', {}, h('th', {}, 'name'), h('th', {}, 'in'), h('th', {}, 'type'), h('th', {}, 'notes')),
        params.map((p) => h('tr', {}, h('td', { class: 't' }, p.name, p.required ? h('span', { class: 'req' }, ' *') : ''),
          h('td', {}, p.in), h('td', { class: 't' }, typeOf(p.schema)), h('td', {}, p.description || '', notes(p.schema)))))] : '',
      body ? [h('h4', {}, 'Request body'), schemaView(body.$ref ? resolve(body.$ref) : body), h('p', { class: 'note' }, 'Schema: ', bodyName)] : '',
      h('h4', {}, 'Responses'),
      Object.entries(op.responses).map(([status, r]) => {
        const res = r.$ref ? resolve(r.$ref) : r;
        const schema = res.content && res.content['application/json'].schema;
        const headers = Object.keys(res.headers || {}).filter((name) => name !== 'X-Request-Id');
        return h('div', {}, h('b', {}, status), ' ', res.description, schema ? [' — ', h('span', { class: 't' }, typeOf(schema))] : '',
          headers.length ? h('span', { class: 'note' }, ' · headers: ' + headers.join(', ')) : '');
      })));
}
function render() {
  const main = document.querySelector('main');
  main.replaceChildren(h('h1', {}, doc.info.title), h('p', { class: 'note' }, 'Version ' + doc.info.version + ' · ',
    h('a', { href: 'openapi.json' }, 'openapi.json')), h('p', {}, doc.info.description));
  for (const tag of doc.tags) {
    main.append(h('h2', { id: 'tag-' + tag.name }, tag.name), h('p', { class: 'note' }, tag.description));
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item))
        if (op.tags.includes(tag.name)) main.append(operation(method.toUpperCase(), path, op));
  }
  main.append(h('h2', { id: 'schemas' }, 'Schemas'));
  for (const [name, s] of Object.entries(doc.components.schemas))
    main.append(h('details', { class: 'schema', id: 'schema-' + name }, h('summary', {}, name), schemaView(s)));
  const open = () => { const el = document.getElementById(location.hash.slice(1)); if (el && el.tagName === 'DETAILS') { el.open = true; el.scrollIntoView(); } };
  window.addEventListener('hashchange', open); open();
}
document.getElementById('filter').addEventListener('input', (e) => {
  const q = e.target.value.toLowerCase();
  for (const el of document.querySelectorAll('nav a[data-op], details.op'))
    el.hidden = !!q && !el.textContent.toLowerCase().includes(q);
});
fetch('openapi.json').then((r) => r.json()).then((d) => { doc = d; render(); })
  .catch((e) => document.querySelector('main').append(h('p', { class: 'req' }, 'Could not load openapi.json: ' + e)));
`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The reference page's Content-Security-Policy: only its own inline style and script (by
 * hash), and requests to this origin.
 *
 * @example
 * c.html(renderReferencePage(doc), 200, { 'content-security-policy': REFERENCE_CSP });
 */
export const REFERENCE_CSP = [
  "default-src 'none'",
  `style-src ${hash(STYLE)}`,
  `script-src ${hash(SCRIPT)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

/**
 * The HTML of `GET /v1/reference`. The navigation (every operation by tag) is rendered here,
 * so the page is useful without JavaScript; the script adds the details from `openapi.json`.
 *
 * @example
 * const html = renderReferencePage(buildOpenApiDocument());
 */
export function renderReferencePage(doc: OpenApiDocument): string {
  const nav = doc.tags
    .map((tag) => {
      const links = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([, op]) => op.tags.includes(tag.name))
          .map(
            ([method, op]) =>
              `<a data-op href="#op-${escapeHtml(op.operationId)}" title="${escapeHtml(op.summary)}">` +
              `<b>${method.toUpperCase()}</b> ${escapeHtml(path)} <code>${escapeHtml(op.operationId)}</code></a>`,
          ),
      );
      return `<h3><a href="#tag-${escapeHtml(tag.name)}">${escapeHtml(tag.name)}</a></h3>${links.join('')}`;
    })
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(doc.info.title)} reference</title>
<style>${STYLE}</style>
</head>
<body>
<nav><input id="filter" type="search" placeholder="Filter operations" aria-label="Filter operations">${nav}<h3><a href="#schemas">Schemas</a></h3></nav>
<main><h1>${escapeHtml(doc.info.title)}</h1><p>Loading <a href="openapi.json">openapi.json</a>…</p></main>
<script>${SCRIPT}</script>
</body>
</html>`;
}
