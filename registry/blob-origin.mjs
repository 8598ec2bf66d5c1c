// blob-origin.mjs: the "object storage" origin for the kit's redirect mode.
//
// Node built-ins only. The registry's `redirect` storage middleware answers
// blob reads with 307 to BASEURL + storage path, e.g.
//   http://127.0.0.1:PORT/docker/registry/v2/blobs/sha256/ab/abcd.../data
// This server maps that path onto the registry's filesystem storage root and
// serves the file (GET, HEAD, one simple `Range: bytes=a-b`). Every request
// is recorded as one JSON line {time, method, url, headers, status}; headers
// are logged as received (lower-cased names), so an `authorization` key
// appears exactly when a client sent one: `grep -qi authorization LOG`
// proves a leak, its absence proves none.
//
// Environment:
//   ORIGIN_ROOT       the registry's storage rootdirectory (required)
//   ORIGIN_LOG        JSON-lines request log (optional)
//   ORIGIN_PORT_FILE  where to write the bound port once listening
//   ORIGIN_PORT       port to bind (default 0 = any free one)
//
// Only ever binds 127.0.0.1. The optional argument (the kit's state dir) is
// not used; it makes the process findable by the kit's stop command.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const root = process.env.ORIGIN_ROOT;
if (!root) {
  console.error('blob-origin: ORIGIN_ROOT is required');
  process.exit(2);
}
const rootAbs = path.resolve(root);
const logFile = process.env.ORIGIN_LOG || '';
const portFile = process.env.ORIGIN_PORT_FILE || '';
const port = parseInt(process.env.ORIGIN_PORT || '0', 10) || 0;

function logLine(obj) {
  if (!logFile) return;
  try {
    fs.appendFileSync(logFile, JSON.stringify(obj) + '\n');
  } catch (e) {
    console.error('blob-origin: cannot write log:', e.message);
  }
}

function fail(res, status, message) {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(message) });
  res.end(message);
}

// Map a URL path to a file under rootAbs, or null when it would escape.
function resolve(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const parts = decoded.split('/');
  if (parts.some((p) => p === '..' || p === '.')) return null;
  const file = path.resolve(rootAbs, '.' + decoded);
  if (file !== rootAbs && !file.startsWith(rootAbs + path.sep)) return null;
  return file;
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const entry = {
    time: new Date().toISOString(),
    method: req.method,
    url: req.url,
    headers: req.headers, // holds `authorization` only when one was sent
  };
  res.on('finish', () => {
    entry.status = res.statusCode;
    logLine(entry);
  });

  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'method not allowed\n');
  // Paths that escape are refused even before normalisation by the URL parser.
  if (/(^|\/)\.\.?(\/|$)/.test(req.url.split('?')[0]) || /%2e%2e/i.test(req.url)) {
    return fail(res, 400, 'bad path\n');
  }
  const file = resolve(url.pathname);
  if (!file) return fail(res, 400, 'bad path\n');

  let st;
  try {
    st = fs.statSync(file);
  } catch {
    return fail(res, 404, 'not found\n');
  }
  if (!st.isFile()) return fail(res, 404, 'not found\n');

  let start = 0;
  let end = st.size - 1;
  let status = 200;
  const headers = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes' };
  const range = req.headers.range;
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (!m || (m[1] === '' && m[2] === '')) return fail(res, 416, 'bad range\n');
    if (m[1] === '') {
      start = Math.max(0, st.size - parseInt(m[2], 10));
    } else {
      start = parseInt(m[1], 10);
      if (m[2] !== '') end = Math.min(end, parseInt(m[2], 10));
    }
    if (start >= st.size || start > end) {
      res.writeHead(416, { 'Content-Range': `bytes */${st.size}`, 'Content-Length': 0 });
      return res.end();
    }
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
  }
  headers['Content-Length'] = st.size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || st.size === 0) return res.end();
  const stream = fs.createReadStream(file, { start, end });
  stream.on('error', () => res.destroy());
  return stream.pipe(res);
});

server.listen(port, '127.0.0.1', () => {
  const bound = server.address().port;
  if (portFile) {
    fs.writeFileSync(portFile + '.tmp', String(bound) + '\n');
    fs.renameSync(portFile + '.tmp', portFile);
  }
  console.error(`blob-origin: listening on 127.0.0.1:${bound}, root ${rootAbs}`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
}
