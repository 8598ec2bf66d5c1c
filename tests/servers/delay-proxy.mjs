// A TCP proxy on loopback that adds a round-trip time to everything that
// goes through it, to measure clients as if the registry were far away
// (the Docker Hub case). Node built-ins only.
//
//   node tests/servers/delay-proxy.mjs --upstream 127.0.0.1:PORT [--rtt-ms 50]
//        [--bytes-per-second N] [--port-file F] [--log F] [--trace]
//
// Model: every chunk is delivered half an RTT after it arrived, in order,
// in each direction; a new connection carries nothing before one full RTT
// has passed (the TCP handshake a real network would cost). Bandwidth is
// not limited unless --bytes-per-second says so: then each direction of
// each connection moves at most N bytes a second, and holds at most a
// quarter second of them before it stops reading (so a sender sees its
// bytes leave at that rate, not vanish into the proxy). The listening port (127.0.0.1 only) is printed on stdout
// and written to --port-file. --log gets one line per connection accepted,
// so a run can count the connections a client opened; with --trace, also
// one line per HTTP request line and status line seen, with its time.
import { appendFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const upstream = opt('--upstream');
const rtt = Number(opt('--rtt-ms', '50'));
const portFile = opt('--port-file');
const log = opt('--log');
const trace = args.includes('--trace');
const bps = Number(opt('--bytes-per-second', '0'));
const t0 = Date.now();
if (!upstream || !/^127\.\d+\.\d+\.\d+:\d+$|^localhost:\d+$/.test(upstream) || !(rtt >= 0) ||
    !(bps >= 0)) {
  process.stderr.write('usage: delay-proxy.mjs --upstream 127.0.0.1:PORT [--rtt-ms N] ' +
    '[--bytes-per-second N] [--port-file F] [--log F]\n');
  process.exit(2);
}
const [upHost, upPort] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.slice(upstream.lastIndexOf(':') + 1))];
const oneWay = rtt / 2;
// Bytes held in one direction before its source is paused.
const HIGH_WATER = bps > 0 ? Math.max(16 * 1024, Math.floor(bps / 4)) : 8 * 1024 * 1024;
let connections = 0;

// Delivers src's bytes to dst oneWay ms after they arrived, never before
// `notBefore`, in order (one FIFO and one timer per direction: separate
// timers due in the same millisecond may fire in any order); the end of
// src is delayed the same way.
function pipeDelayed(src, dst, notBefore, tag) {
  const queue = [];
  let timer = null;
  let held = 0;
  let linkFree = 0; // with a bandwidth limit: when the bytes queued so far are through
  const pump = () => {
    timer = null;
    const now = Date.now();
    while (queue.length && queue[0].due <= now) {
      const item = queue.shift();
      if (item.chunk) {
        held -= item.chunk.length;
        if (!dst.destroyed) dst.write(item.chunk);
      } else if (item.end) {
        if (!dst.destroyed) dst.end();
      } else {
        dst.destroy();
      }
    }
    if (held <= HIGH_WATER && src.isPaused()) src.resume();
    if (queue.length) timer = setTimeout(pump, Math.max(1, queue[0].due - now));
  };
  const push = (item) => {
    const last = queue.length ? queue[queue.length - 1].due : 0;
    let due = Date.now() + oneWay;
    if (bps > 0 && item.chunk) {
      linkFree = Math.max(linkFree, Date.now()) + (item.chunk.length * 1000) / bps;
      due = linkFree + oneWay;
    }
    item.due = Math.max(due, notBefore, last);
    queue.push(item);
    if (!timer) timer = setTimeout(pump, Math.max(0, item.due - Date.now()));
  };
  src.on('data', (chunk) => {
    if (trace && log) {
      const line = chunk.subarray(0, 200).toString('latin1').split('\r\n')[0];
      if (/^(GET|HEAD|POST|PUT|PATCH|DELETE) \/|^HTTP\/1/.test(line))
        appendFileSync(log, `${Date.now() - t0} ms ${tag} ${line.slice(0, 120)}\n`);
    }
    held += chunk.length;
    if (held > HIGH_WATER) src.pause();
    push({ chunk });
  });
  src.on('end', () => push({ end: true }));
  src.on('close', (hadError) => {
    if (hadError) push({ destroy: true });
  });
}

const server = net.createServer({ allowHalfOpen: true }, (client) => {
  const n = ++connections;
  const accepted = Date.now();
  if (log) appendFileSync(log, `connection ${n} at ${accepted - t0} ms\n`);
  client.setNoDelay(true);
  const up = net.connect({ host: upHost, port: upPort, allowHalfOpen: true });
  up.setNoDelay(true);
  // The client's first bytes wait for the handshake's round trip, then
  // travel half a round trip like any others.
  pipeDelayed(client, up, accepted + rtt + oneWay, `#${n} >`);
  pipeDelayed(up, client, 0, `#${n} <`);
  const failed = (side) => (err) => {
    if (log) appendFileSync(log, `error ${n} ${side}: ${err.code || err.message}\n`);
  };
  client.on('error', failed('client'));
  up.on('error', failed('upstream'));
  // Both sides ended: nothing more can flow.
  let ended = 0;
  const done = () => { if (++ended === 2) { client.destroy(); up.destroy(); } };
  client.on('finish', done);
  up.on('finish', done);
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  if (portFile) writeFileSync(portFile, `${port}\n`);
  process.stdout.write(`${port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
