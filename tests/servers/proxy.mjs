// proxy.mjs: an HTTP proxy that sits between wasmpack and a real registry
// and misbehaves on a seeded schedule: connection resets (before the
// registry sees the request, after it acted, or in the middle of the
// body), 500/502/503, 429 with Retry-After, stalls that end in a reset,
// truncated bodies, bodies that look complete but are short, and bodies
// whose bytes no longer match their digest. Node built-ins only.
//
//   node tests/servers/proxy.mjs --upstream http://127.0.0.1:PORT --seed N
//        [--rate 0.3] [--kinds reset,500,...] [--stall-ms 2500]
//        [--only METHOD,REGEX] [--max-faults N] [--delay METHOD,REGEX,MS[,TIMES]]...
//        [--log FILE] [--max-seconds N]
//
// --only limits faults to requests whose method and path (query included)
// match; --max-faults stops injecting after N faults; --delay holds
// matching requests MS milliseconds before forwarding them (the first
// TIMES of them, default all), e.g. to let a token expire mid-upload.
//
// Listens on 127.0.0.1, on a free port; the first stdout line is PORT=<n>.
// Exits when stdin closes (the parent went away) or after --max-seconds.
//
// The schedule: a request's fault is a function of the seed, its method,
// its path (upload ids and queries taken out) and how many requests with
// that same method and path came before. Parallel requests in another
// order still meet the same faults, so a seed replays the same run.
// Faults that damage a body (reset-mid, truncate, short, corrupt) are
// drawn for GETs only, and corrupt and short half as often as the rest.
//
// --log FILE gets one JSON line per request:
//   {"seq","method","path","key","n","fault","upstream","status","ms"}
// `fault` is "none" or the fault actually injected (a fault that needs a
// body degrades to "reset-after" when the answer has none).
import fs from 'node:fs';
import http from 'node:http';

const KINDS = ['reset', 'reset-after', 'reset-mid', '500', '502', '503', '429', 'stall',
  'truncate', 'short', 'corrupt'];
// Kinds that need an answer with a body; elsewhere they become reset-after.
const BODY_KINDS = ['reset-mid', 'truncate', 'short', 'corrupt'];

function usage(msg) {
  process.stderr.write(`fault proxy: ${msg}\n`);
  process.stderr.write('usage: proxy.mjs --upstream http://127.0.0.1:PORT --seed N [--rate R] ' +
    '[--kinds K,...] [--stall-ms MS] [--only METHOD,REGEX] [--max-faults N] ' +
    '[--delay METHOD,REGEX,MS[,TIMES]]... [--log FILE] [--max-seconds N]\n');
  process.exit(2);
}

const opts = { upstream: null, seed: 1, rate: 0.3, kinds: KINDS, stallMs: 2500, delays: [],
  only: null, maxFaults: Infinity, log: null, maxSeconds: 900 };
// "METHOD,REGEX" (the regex may hold commas) to {method, re}.
function rule(text, what) {
  const comma = text.indexOf(',');
  if (comma <= 0) usage(`${what} wants METHOD,REGEX`);
  return { method: text.slice(0, comma).toUpperCase(), re: new RegExp(text.slice(comma + 1)) };
}
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--upstream') opts.upstream = next();
    else if (a === '--seed') opts.seed = Number(next());
    else if (a === '--rate') opts.rate = Number(next());
    else if (a === '--kinds') opts.kinds = next().split(',').filter(Boolean);
    else if (a === '--stall-ms') opts.stallMs = Number(next());
    else if (a === '--log') opts.log = next();
    else if (a === '--max-seconds') opts.maxSeconds = Number(next());
    else if (a === '--only') opts.only = rule(next(), '--only');
    else if (a === '--max-faults') opts.maxFaults = Number(next());
    else if (a === '--delay') {
      const parts = next().split(',');
      const times = parts.length >= 4 ? Number(parts.pop()) : Infinity;
      const ms = Number(parts.pop());
      if (parts.length < 2 || !(ms >= 0) || !(times > 0)) usage('--delay wants METHOD,REGEX,MS[,TIMES]');
      opts.delays.push({ ...rule(parts.join(','), '--delay'), ms, left: times });
    } else usage(`unknown option ${a}`);
  }
  if (!opts.upstream || !/^http:\/\/(127\.\d+\.\d+\.\d+|localhost):\d+$/.test(opts.upstream))
    usage('--upstream must be http://127.x.x.x:PORT (loopback only)');
  if (!Number.isInteger(opts.seed)) usage('--seed must be an integer');
  if (!(opts.rate >= 0 && opts.rate <= 1)) usage('--rate must be in [0, 1]');
  for (const k of opts.kinds) if (!KINDS.includes(k)) usage(`unknown fault kind ${k}`);
  if (opts.kinds.length === 0) usage('no fault kinds');
  if (!(opts.stallMs >= 0)) usage('--stall-ms must be a number');
}
const upstream = new URL(opts.upstream);

// FNV-1a over the text, then a murmur3 finalizer: a uniform 32-bit value.
function hash32(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// The request's identity for the schedule: upload session ids and every
// query (state, digests of uploads) left out.
function keyOf(method, url) {
  const path = url.split('?')[0].replace(/\/blobs\/uploads\/[^/]+$/, '/blobs/uploads/{id}');
  return `${method} ${path}`;
}

const seen = new Map();
let injected = 0;
function decide(method, url) {
  const key = keyOf(method, url);
  if (opts.only && !(opts.only.method === method && opts.only.re.test(url)))
    return { key, n: 0, kind: 'none' };
  const n = (seen.get(key) || 0) + 1;
  seen.set(key, n);
  if (injected >= opts.maxFaults) return { key, n, kind: 'none' };
  const draw = hash32(`${opts.seed}|${key}|${n}|rate`) / 2 ** 32;
  if (draw >= opts.rate) return { key, n, kind: 'none' };
  // Faults that damage a body only for GET (the answers with bodies);
  // damaged bytes half as often as the rest, since each of them ends the
  // operation (exit 6) where the rest are there to be survived.
  const pool = [];
  for (const k of opts.kinds) {
    if (method !== 'GET' && BODY_KINDS.includes(k)) continue;
    for (let w = k === 'corrupt' || k === 'short' ? 1 : 2; w > 0; w--) pool.push(k);
  }
  if (pool.length === 0) return { key, n, kind: 'none' };
  const kind = pool[hash32(`${opts.seed}|${key}|${n}|kind`) % pool.length];
  injected++;
  return { key, n, kind };
}

let seq = 0;
function log(entry) {
  if (opts.log) fs.appendFileSync(opts.log, JSON.stringify(entry) + '\n');
}
if (opts.log) fs.writeFileSync(opts.log, '');

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'te',
  'trailer', 'upgrade']);

function errorBody(kind) {
  switch (kind) {
    case '500':
      return { type: 'text/plain', body: 'internal server error\n' };
    case '502':
      return { type: 'text/html', body: '<html><head><title>502 Bad Gateway</title></head>' +
        '<body><h1>502 Bad Gateway</h1><hr>fault-proxy</body></html>\n' };
    case '503':
      return { type: 'application/json', body: JSON.stringify({ errors: [{ code: 'UNAVAILABLE',
        message: 'service unavailable', detail: 'injected by the fault proxy' }] }) };
    default:
      return { type: 'application/json', body: JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS',
        message: 'too many requests', detail: 'injected by the fault proxy' }] }) };
  }
}

// Sends the answer `up` (status, headers, body) to the client, damaged
// as `kind` says; calls done(kindInjected).
function answer(req, res, up, kind, done) {
  const headers = [];
  let length = null;
  for (let i = 0; i < up.rawHeaders.length; i += 2) {
    const name = up.rawHeaders[i];
    const lower = name.toLowerCase();
    if (HOP.has(lower)) continue;
    if (lower === 'content-length') {
      length = up.rawHeaders[i + 1];
      continue;
    }
    headers.push(name, up.rawHeaders[i + 1]);
  }
  const head = req.method === 'HEAD';
  let body = up.body;
  const hasBody = !head && body.length >= 2;
  if (BODY_KINDS.includes(kind) && (!hasBody || (kind === 'corrupt' && up.status !== 200)))
    kind = 'reset-after';
  const sock = req.socket;
  const rst = () => {
    if (typeof sock.resetAndDestroy === 'function') sock.resetAndDestroy();
    else sock.destroy();
  };
  // The announced length: the upstream's for HEAD, else the real one
  // (or, for `short`, the cut one, so the answer looks complete).
  let announced = head ? length : String(body.length);
  if (kind === 'short') {
    body = body.subarray(0, Math.floor(body.length / 2));
    announced = String(body.length);
  }
  if (kind === 'corrupt') {
    body = Buffer.from(body);
    const at = Math.floor(body.length / 2);
    body[at] ^= 0x5a;
  }
  if (announced !== null) headers.push('Content-Length', announced);
  if (kind === 'reset-after') {
    rst();
    return done(kind);
  }
  res.writeHead(up.status, up.statusMessage, headers);
  if (kind === 'reset-mid' || kind === 'truncate' || kind === 'stall') {
    res.flushHeaders();
    const part = hasBody ? body.subarray(0, Math.max(1, Math.floor(body.length / 3))) : Buffer.alloc(0);
    res.write(part);
    const finish = () => {
      if (kind === 'truncate') sock.end(); // a clean close, bytes missing
      else rst();
      done(kind);
    };
    // Let the bytes leave before the connection goes.
    setTimeout(finish, kind === 'stall' ? opts.stallMs : 50);
    return;
  }
  res.end(head ? undefined : body);
  done(kind);
}

const server = http.createServer({ keepAlive: true }, (req, res) => {
  const started = Date.now();
  const id = ++seq;
  const { key, n, kind: planned } = decide(req.method, req.url);
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('error', () => {});
  req.on('end', () => {
    const reqBody = Buffer.concat(chunks);
    const entry = { seq: id, method: req.method, path: req.url.split('?')[0], key, n, fault: planned,
      upstream: null, status: null, ms: 0 };
    const finish = (fault, status) => {
      entry.fault = fault;
      entry.status = status;
      entry.ms = Date.now() - started;
      log(entry);
    };
    const sock = req.socket;
    if (planned === 'reset') {
      if (typeof sock.resetAndDestroy === 'function') sock.resetAndDestroy();
      else sock.destroy();
      return finish('reset', null);
    }
    if (['500', '502', '503', '429'].includes(planned)) {
      const e = errorBody(planned);
      const status = Number(planned);
      const h = { 'Content-Type': e.type, 'Content-Length': Buffer.byteLength(e.body) };
      if (status === 429) h['Retry-After'] = '1';
      res.writeHead(status, h);
      res.end(req.method === 'HEAD' ? undefined : e.body);
      return finish(planned, status);
    }
    const headers = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const lower = req.rawHeaders[i].toLowerCase();
      if (HOP.has(lower) || lower === 'content-length') continue;
      headers[req.rawHeaders[i]] = req.rawHeaders[i + 1];
    }
    if (reqBody.length > 0 || !['GET', 'HEAD', 'DELETE'].includes(req.method))
      headers['Content-Length'] = String(reqBody.length);
    const delay = opts.delays.find((d) => d.left > 0 && d.method === req.method && d.re.test(req.url));
    if (delay) delay.left--;
    const forward = () => {
      const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method,
        path: req.url, headers, agent }, (ures) => {
        const body = [];
        ures.on('data', (c) => body.push(c));
        ures.on('end', () => {
          entry.upstream = ures.statusCode;
          answer(req, res, { status: ures.statusCode, statusMessage: ures.statusMessage,
            rawHeaders: ures.rawHeaders, body: Buffer.concat(body) }, planned,
          (fault) => finish(fault, ures.statusCode));
        });
        ures.on('error', () => { sock.destroy(); finish('upstream-error', null); });
      });
      up.on('error', (e) => {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`fault proxy: upstream failed: ${e.message}\n`);
        finish('upstream-error', 502);
      });
      up.end(reqBody);
    };
    if (delay) setTimeout(forward, delay.ms);
    else forward();
  });
});
// A TLS hello or other garbage gets what a plain-HTTP server sends.
server.on('clientError', (err, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  else socket.destroy();
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT=${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(0), opts.maxSeconds * 1000).unref();
