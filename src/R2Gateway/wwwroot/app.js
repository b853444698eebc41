// The upload page: Uppy's Dashboard and S3 uploader, wired to the gateway's actions.
// S3 requests go straight to URLs the gateway signs (the bucket with the S3 store, the gateway's S3 endpoint otherwise).
import { Uppy, Dashboard, AwsS3, GoldenRetriever } from './lib/uppy/uppy.min.mjs';

const params = new URLSearchParams(location.search);
// The gateway this page talks to: its own origin, or ?gateway=<url> for a page served elsewhere.
// The page sends its bearer token there, so ?gateway= may name only the page's own origin or one
// its server lists (Page:GatewayOrigins, served as page-config.json); a link cannot pick another.
const allowedOrigins = new Set([location.origin]);
try {
  const config = await fetch(new URL('page-config.json', location.href));
  if (config.ok) for (const origin of (await config.json()).gatewayOrigins ?? []) allowedOrigins.add(new URL(origin).origin);
} catch { /* served without the gateway (a static copy): its own origin only */ }

let gateway = new URL(`${location.origin}/`);
let gatewayRefused = null;
if (params.has('gateway')) {
  let requested = null;
  try { requested = new URL(params.get('gateway'), location.href); } catch { /* not a URL */ }
  if (requested && allowedOrigins.has(requested.origin)) gateway = requested;
  else gatewayRefused = params.get('gateway');
}
if (!gateway.pathname.endsWith('/')) gateway.pathname += '/';
// Fixed, so an upload resumed after a reload keeps its part size: R2 refuses unequal parts.
const PART_SIZE = 8 * 1024 * 1024;
const jsonHeaders = { 'Content-Type': 'application/json' };

// The object's URL: the gateway's path, then the key's encoded segments, set as a path (never
// resolved as a relative URL, which a key starting with '//' would turn into another host). A key
// with an empty, '.' or '..' segment is one segment with %2F for its slashes: the URL parser would
// collapse or resolve those segments (even percent-encoded dots) into another key.
function objectUrl(key, action, query = {}) {
  if (key === '.' || key === '..') throw new Error(`The key '${key}' cannot be written as a URL path.`);
  const segments = key.split('/');
  const path = key !== '' && segments.some((s) => s === '' || s === '.' || s === '..')
    ? encodeURIComponent(key)
    : segments.map(encodeURIComponent).join('/');
  const url = new URL(gateway.origin);
  url.pathname = gateway.pathname + path;
  url.searchParams.set('action', action);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url;
}

// The bearer token, when the gateway has access control: kept in sessionStorage, so only for this tab.
const tokenInput = document.querySelector('#token');
tokenInput.value = sessionStorage.getItem('r2gw-token') ?? '';
tokenInput.addEventListener('change', () => {
  sessionStorage.setItem('r2gw-token', tokenInput.value.trim());
  refreshList();
});

async function call(method, url, body = null, headers = {}) {
  const token = sessionStorage.getItem('r2gw-token');
  const response = await fetch(url, { method, body, headers: token ? { ...headers, Authorization: `Bearer ${token}` } : headers });
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail ?? detail; } catch { /* not problem+json */ }
    throw new Error(`${response.status} ${detail}`);
  }
  return response.status === 204 ? null : response.json();
}

const keyOf = (file) => `${document.querySelector('#prefix').value.trim()}${file.meta.name}`;

const uppy = new Uppy({ id: 'r2gateway', autoProceed: false })
  .use(Dashboard, {
    inline: true,
    target: '#uploader',
    height: 380,
    showProgressDetails: true,
    proudlyDisplayPoweredByUppy: false,
    note: 'Any number of files, any size up to 5 TiB',
  })
  // Keeps files (in IndexedDB) and upload state across a reload, so an upload resumes.
  .use(GoldenRetriever, { serviceWorker: false, indexedDB: { maxFileSize: 1024 ** 3, maxTotalSize: 4 * 1024 ** 3 } })
  // Uppy 6 sends real S3 requests; the gateway signs each one (s3-sign) for its own S3 endpoint, or
  // for the bucket with the S3 store, after checking the token may do that request on that key.
  .use(AwsS3, {
    limit: 6,
    shouldUseMultipart: (file) => file.size > PART_SIZE,
    getChunkSize: () => PART_SIZE,
    generateObjectKey: keyOf,
    async signRequest({ method, key, uploadId, partNumber }) {
      const signed = await call('POST', objectUrl(key, 's3-sign'), JSON.stringify({ method, uploadId, partNumber }), jsonHeaders);
      return { url: signed.url };
    },
  });

uppy.on('complete', () => refreshList());

// A page being discarded aborts its part requests, and the failures change the upload's state; saved,
// that state would be what a reload restores (no uploadId: the upload starts over). So GoldenRetriever
// stops saving once the page goes away; a page kept in the back-forward cache keeps it.
window.addEventListener('pagehide', (event) => {
  if (!event.persisted) uppy.getPlugin('GoldenRetriever')?.uninstall();
});

const formatSize = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);

async function refreshList() {
  const status = document.querySelector('#list-status');
  const rows = document.querySelector('#objects tbody');
  try {
    const objects = [];
    for (let cursor = null; ;) {
      const query = { include: 'httpMetadata,customMetadata' };
      if (cursor) query.cursor = cursor;
      const page = await call('GET', objectUrl('', 'list', query));
      objects.push(...page.objects);
      if (!page.truncated) break;
      cursor = page.cursor;
    }

    rows.replaceChildren(...objects.map((o) => {
      const row = document.createElement('tr');
      row.dataset.key = o.key;
      const cells = [o.key, formatSize(o.size), new Date(o.uploaded).toLocaleString()].map((text, i) => {
        const cell = document.createElement('td');
        cell.textContent = text;
        if (i === 1) cell.className = 'size';
        return cell;
      });
      // Metadata and checksums, one "name: value" line each.
      const details = document.createElement('td');
      details.className = 'details';
      const lines = [
        ...Object.entries(o.httpMetadata ?? {}).filter(([, v]) => v).map(([k, v]) => `${k}: ${v}`),
        ...Object.entries(o.customMetadata ?? {}).map(([k, v]) => `meta ${k}: ${v}`),
        ...Object.entries(o.checksums ?? {}).map(([k, v]) => `${k}: ${v}`),
      ];
      details.replaceChildren(...lines.map((line) => {
        const div = document.createElement('div');
        div.textContent = line;
        return div;
      }));
      const actions = document.createElement('td');
      actions.className = 'actions';
      const download = document.createElement('a');
      download.textContent = 'Download';
      download.className = 'download';
      download.href = '#';
      download.addEventListener('click', async (event) => {
        if (download.dataset.ready) return; // second, real click: follow the presigned URL
        event.preventDefault();
        const signed = await call('POST', objectUrl(o.key, 'presign'), JSON.stringify({ method: 'GET', expiresIn: 600 }), jsonHeaders);
        download.href = signed.url;
        download.download = o.key.split('/').pop();
        download.dataset.ready = 'true';
        download.click();
        setTimeout(() => { delete download.dataset.ready; }, 0);
      });
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = 'Delete';
      remove.className = 'delete';
      remove.addEventListener('click', async () => {
        await call('DELETE', objectUrl(o.key, 'delete'));
        await refreshList();
      });
      actions.append(download, remove);
      row.append(...cells, details, actions);
      return row;
    }));
    status.textContent = objects.length ? `${objects.length} object(s)` : 'No objects yet.';
  } catch (error) {
    status.textContent = `Could not list objects: ${error.message}`;
  }
}

document.querySelector('#refresh').addEventListener('click', () => refreshList());
if (gatewayRefused !== null) {
  document.querySelector('#list-status').textContent =
    `Not using ?gateway=${gatewayRefused}: this page sends its token only to its own origin and those its server lists in Page:GatewayOrigins.`;
} else {
  refreshList();
}
window.r2gateway = { uppy, refreshList };
