// scripted.mjs: an HTTP(S) responder that answers from a JSON script and
// records every request it sees, for tests of the HTTP layer and the
// registry client. Node built-ins only. Format and usage: README.md here.
//
//   node tests/servers/scripted.mjs SCRIPT.json [--log FILE] [--max-seconds N]
//        [--tls-cert CERT.pem --tls-key KEY.pem]
//
// Listens on 127.0.0.1, port 0 (a free one); the first stdout line is
// PORT=<n>. Exits when stdin closes (the parent went away) or after
// --max-seconds (default 120), so it can never linger.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

function usage(msg) {
  process.stderr.write(`scripted: ${msg}\n`);
  process.stderr.write('usage: scripted.mjs SCRIPT.json [--log FILE] [--max-seconds N] ' +
    '[--tls-cert CERT --tls-key KEY]\n');
  process.exit(2);
}

const opts = { script: null, log: null, maxSeconds: 120, cert: null, key: null };
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--log') opts.log = next();
    else if (a === '--max-seconds') opts.maxSeconds = Number(next());
    else if (a === '--tls-cert') opts.cert = next();
    else if (a === '--tls-key') opts.key = next();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else if (opts.script === null) opts.script = a;
    else usage(`unexpected argument ${a}`);
  }
  if (opts.script === null) usage('no script given');
  if (!(opts.maxSeconds > 0)) usage('--max-seconds must be a positive number');
  if (!!opts.cert !== !!opts.key) usage('--tls-cert and --tls-key go together');
}

let script;
try {
  script = JSON.parse(fs.readFileSync(opts.script, 'utf8'));
} catch (e) {
  usage(`cannot read script ${opts.script}: ${e.message}`);
}
const steps = Array.isArray(script) ? script : script.steps;
if (!Array.isArray(steps)) usage('the script must be a list of steps or {"steps": [...]}');
// Uses left per step: `times` (default 1); 0 means any number.
const usesLeft = steps.map((s) => (s.times === undefined ? 1 : s.times === 0 ? Infinity : s.times));

const tls = !!opts.cert;
let port = 0;
let seq = 0;
let conns = 0;

if (opts.log) fs.writeFileSync(opts.log, '');

// Placeholders usable in header values, redirect targets and string bodies.
function expand(s) {
  return String(s)
    .replaceAll('{origin}', `${tls ? 'https' : 'http'}://127.0.0.1:${port}`)
    .replaceAll('{host}', `127.0.0.1:${port}`)
    .replaceAll('{port}', String(port));
}

function pathMatches(pattern, target) {
  if (pattern.endsWith('*')) return target.startsWith(pattern.slice(0, -1));
  // Without a '?' the pattern is compared to the path alone.
  const subject = pattern.includes('?') ? target : target.split('?')[0];
  return subject === pattern;
}

function stepMatches(step, req) {
  const m = step.match;
  if (!m) return true;
  if (m.method && m.method.toUpperCase() !== req.method) return false;
  if (m.path && !pathMatches(m.path, req.url)) return false;
  if (m.headers) {
    for (const [name, want] of Object.entries(m.headers)) {
      const got = req.headers[name.toLowerCase()];
      if (want === true && got === undefined) return false;
      if (want === false && got !== undefined) return false;
      if (typeof want === 'string' && got !== expand(want)) return false;
    }
  }
  return true;
}

function pickStep(req) {
  for (let i = 0; i < steps.length; i++) {
    if (usesLeft[i] > 0 && stepMatches(steps[i], req)) {
      usesLeft[i]--;
      return i;
    }
  }
  return -1;
}

// Deterministic filler for bodyBytes: byte i is i mod 251.
function patternBytes(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

function responseBody(r) {
  if (r.bodyBase64 !== undefined) return Buffer.from(r.bodyBase64, 'base64');
  if (r.bodyBytes !== undefined) return patternBytes(r.bodyBytes);
  if (r.json !== undefined) return Buffer.from(JSON.stringify(r.json));
  if (r.body !== undefined) return Buffer.from(expand(r.body));
  return Buffer.alloc(0);
}

function record(rec) {
  if (opts.log) fs.appendFileSync(opts.log, JSON.stringify(rec) + '\n');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function writeChunk(res, chunk) {
  return new Promise((resolve) => {
    if (chunk.length === 0 || res.destroyed) return resolve();
    res.write(chunk, () => resolve());
  });
}

async function respond(req, res, step) {
  const r = (step && step.response) || {};
  const body = responseBody(r);
  const headers = {};
  for (const [name, value] of Object.entries(r.headers || {})) {
    headers[name] = Array.isArray(value) ? value.map(expand) : expand(value);
  }
  let status = r.status || 200;
  if (r.redirect !== undefined) {
    headers.Location = expand(r.redirect);
    if (!r.status) status = 302;
  }
  if (r.json !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/json';
  }
  const hasLength = Object.keys(headers).some((h) => h.toLowerCase() === 'content-length');
  if (!r.chunked && !hasLength) headers['Content-Length'] = String(body.length);
  if (r.close) headers.Connection = 'close';

  if (r.delayMs) await sleep(r.delayMs);
  if (res.destroyed) return;
  res.writeHead(status, headers);
  const noBody = req.method === 'HEAD' || status === 204 || status === 304;
  if (noBody) {
    res.end();
    return;
  }
  res.flushHeaders();

  if (r.reset !== undefined) {
    await writeChunk(res, body.subarray(0, r.reset));
    await sleep(30);
    req.socket.destroy();
    return;
  }
  if (r.stallMs) {
    const first = r.stallAfterBytes || 0;
    await writeChunk(res, body.subarray(0, first));
    await sleep(r.stallMs);
    if (res.destroyed) return;
    await writeChunk(res, body.subarray(first));
    res.end();
    return;
  }
  res.end(body);
}

function handle(req, res) {
  const sock = req.socket;
  if (!sock.scriptedId) sock.scriptedId = ++conns;
  const hash = crypto.createHash('sha256');
  let length = 0;
  req.on('data', (chunk) => {
    hash.update(chunk);
    length += chunk.length;
  });
  req.on('end', () => {
    const step = pickStep(req);
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    record({
      seq: ++seq,
      conn: sock.scriptedId,
      step,
      method: req.method,
      path: req.url,
      bodyLength: length,
      bodySha256: 'sha256:' + hash.digest('hex'),
      headers,
    });
    if (step < 0) {
      const msg = `scripted: no step matches ${req.method} ${req.url}\n`;
      res.writeHead(501, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(msg) });
      res.end(req.method === 'HEAD' ? undefined : msg);
      return;
    }
    respond(req, res, steps[step]).catch((e) => {
      process.stderr.write(`scripted: ${e.stack}\n`);
      sock.destroy();
    });
  });
  res.on('error', () => {});
}

const server = tls
  ? https.createServer({ cert: fs.readFileSync(opts.cert), key: fs.readFileSync(opts.key) }, handle)
  : http.createServer(handle);
// Keep idle connections open long enough for reuse to be visible.
server.keepAliveTimeout = 60000;
server.headersTimeout = 61000;
server.requestTimeout = 0;
server.on('clientError', (err, socket) => socket.destroy());

server.listen(0, '127.0.0.1', () => {
  port = server.address().port;
  process.stdout.write(`PORT=${port}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(0), opts.maxSeconds * 1000);
