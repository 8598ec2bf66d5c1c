// token-server.mjs: a small Docker-Hub-like token service for tests.
//
// Node built-ins only. Started by registry/registry.sh (mode `token`); it can
// also be run by hand:
//
//   TOKEN_KEY=key.pem TOKEN_CERT=cert.pem TOKEN_USER=u TOKEN_PASS=p \
//     node registry/token-server.mjs [STATEDIR]
//
// Environment:
//   TOKEN_KEY, TOKEN_CERT   P-256 private key and self-signed cert (PEM), required
//   TOKEN_USER, TOKEN_PASS  the one user; gets every repository action and
//                           registry:catalog:*
//   TOKEN_SERVICE           expected `service` (default wasmpack-registry)
//   TOKEN_ISSUER            `iss` claim (default wasmpack-token-issuer)
//   TOKEN_PUBLIC_PREFIX     anonymous clients get `pull` on repositories whose
//                           name starts with this (default "public/"; empty =
//                           anonymous gets nothing)
//   TOKEN_TTL               expires_in in seconds (default 300)
//   TOKEN_EXP_SHIFT         seconds added to the `exp` claim only (default 0).
//                           distribution 2.8 accepts a token up to 60 s after
//                           `exp`; TOKEN_EXP_SHIFT=-60 makes it refuse the
//                           token right when expires_in runs out.
//   TOKEN_REFRESH           a refresh (identity) token accepted for TOKEN_USER
//                           from the start (optional)
//   TOKEN_LOG               JSON-lines request log (optional)
//   TOKEN_PORT_FILE         where to write the bound port once listening
//   TOKEN_PORT              port to bind (default 0 = any free one)
//
// Only ever binds 127.0.0.1. The optional STATEDIR argument is not used; it
// makes the process findable by the kit's stop command.

import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';

const env = process.env;
const cfg = {
  user: env.TOKEN_USER || '',
  pass: env.TOKEN_PASS || '',
  service: env.TOKEN_SERVICE || 'wasmpack-registry',
  issuer: env.TOKEN_ISSUER || 'wasmpack-token-issuer',
  publicPrefix: env.TOKEN_PUBLIC_PREFIX ?? 'public/',
  ttl: Math.max(1, parseInt(env.TOKEN_TTL || '300', 10) || 300),
  expShift: parseInt(env.TOKEN_EXP_SHIFT || '0', 10) || 0,
  log: env.TOKEN_LOG || '',
  portFile: env.TOKEN_PORT_FILE || '',
  port: parseInt(env.TOKEN_PORT || '0', 10) || 0,
};

if (!env.TOKEN_KEY || !env.TOKEN_CERT) {
  console.error('token-server: TOKEN_KEY and TOKEN_CERT are required');
  process.exit(2);
}
const key = crypto.createPrivateKey(fs.readFileSync(env.TOKEN_KEY));
const certDer = new crypto.X509Certificate(fs.readFileSync(env.TOKEN_CERT)).raw;
const x5c = certDer.toString('base64'); // standard base64, not url-safe

// refresh token -> user name
const refreshTokens = new Map();
if (env.TOKEN_REFRESH) refreshTokens.set(env.TOKEN_REFRESH, cfg.user);

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function logLine(obj) {
  if (!cfg.log) return;
  try {
    fs.appendFileSync(cfg.log, JSON.stringify(obj) + '\n');
  } catch (e) {
    console.error('token-server: cannot write log:', e.message);
  }
}

function safeEqual(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

// Parse "type:name:actions" (name may itself hold ':' only in theory; take
// the first and the last colon). Several scopes may be space-separated.
function parseScopes(values) {
  const out = [];
  for (const v of values) {
    for (const s of String(v).split(' ')) {
      if (!s) continue;
      const first = s.indexOf(':');
      const last = s.lastIndexOf(':');
      if (first < 0 || last <= first) continue;
      const type = s.slice(0, first);
      const name = s.slice(first + 1, last);
      const actions = s.slice(last + 1).split(',').filter(Boolean);
      out.push({ type, name, actions });
    }
  }
  return out;
}

// Which of the requested actions does `user` ('' = anonymous) get?
function allowed(user, scope) {
  const { type, name, actions } = scope;
  if (user) {
    if (type === 'repository') {
      return actions.filter((a) => ['pull', 'push', 'delete', '*'].includes(a));
    }
    if (type === 'registry' && name === 'catalog') {
      return actions.filter((a) => a === '*');
    }
    return [];
  }
  if (type === 'repository' && cfg.publicPrefix && name.startsWith(cfg.publicPrefix)) {
    return actions.filter((a) => a === 'pull');
  }
  return [];
}

function grant(user, scopes) {
  const access = [];
  for (const s of scopes) {
    const actions = allowed(user, s);
    if (actions.length === 0) continue;
    const same = access.find((a) => a.type === s.type && a.name === s.name);
    if (same) {
      for (const a of actions) if (!same.actions.includes(a)) same.actions.push(a);
    } else {
      access.push({ type: s.type, name: s.name, actions: [...actions] });
    }
  }
  return access;
}

function makeJwt(user, access) {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', x5c: [x5c] };
  const claims = {
    iss: cfg.issuer,
    sub: user,
    aud: cfg.service,
    exp: now + cfg.ttl + cfg.expShift,
    nbf: now - 1,
    iat: now,
    jti: crypto.randomBytes(16).toString('hex'),
    access,
  };
  const input = b64url(JSON.stringify(header)) + '.' + b64url(JSON.stringify(claims));
  const sig = crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return { jwt: input + '.' + b64url(sig), issuedAt: new Date(now * 1000).toISOString() };
}

function send(res, status, body, extra = {}) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(data),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(data);
}

function denied(res, message) {
  send(res, 401, { details: message, errors: [{ code: 'UNAUTHORIZED', message }] });
}

// Returns {user} for valid Basic credentials, {anonymous} without, {bad} otherwise.
function basicUser(req) {
  const h = req.headers.authorization;
  if (!h) return { user: '' };
  const m = /^basic\s+(\S+)$/i.exec(h);
  if (!m) return { bad: 'unsupported authorization scheme' };
  const raw = Buffer.from(m[1], 'base64').toString('utf8');
  const i = raw.indexOf(':');
  if (i < 0) return { bad: 'malformed basic credentials' };
  const u = raw.slice(0, i);
  const p = raw.slice(i + 1);
  if (cfg.user && safeEqual(u, cfg.user) && safeEqual(p, cfg.pass)) return { user: u };
  return { bad: 'incorrect username or password' };
}

function checkService(res, service) {
  if (service && service !== cfg.service) {
    send(res, 400, { details: `unknown service ${service}`, errors: [{ code: 'DENIED', message: 'unknown service' }] });
    return false;
  }
  return true;
}

function handleGet(req, res, url, entry) {
  const who = basicUser(req);
  entry.user = who.user ?? null;
  if (who.bad) return denied(res, who.bad);
  if (!checkService(res, url.searchParams.get('service'))) return undefined;
  const scopes = parseScopes(url.searchParams.getAll('scope'));
  const access = grant(who.user, scopes);
  entry.granted = access;
  const { jwt, issuedAt } = makeJwt(who.user, access);
  const body = { token: jwt, access_token: jwt, expires_in: cfg.ttl, issued_at: issuedAt };
  if (who.user && url.searchParams.get('offline_token') === 'true') {
    const rt = crypto.randomBytes(24).toString('base64url');
    refreshTokens.set(rt, who.user);
    body.refresh_token = rt;
  }
  return send(res, 200, body);
}

function handlePost(req, res, form, entry) {
  const grantType = form.get('grant_type');
  entry.grant_type = grantType;
  if (!checkService(res, form.get('service'))) return undefined;
  let user;
  let refresh;
  if (grantType === 'password') {
    const u = form.get('username') || '';
    const p = form.get('password') || '';
    if (!(cfg.user && safeEqual(u, cfg.user) && safeEqual(p, cfg.pass))) {
      return denied(res, 'incorrect username or password');
    }
    user = u;
    refresh = crypto.randomBytes(24).toString('base64url');
    refreshTokens.set(refresh, user);
  } else if (grantType === 'refresh_token') {
    const rt = form.get('refresh_token') || '';
    if (!refreshTokens.has(rt)) return denied(res, 'invalid refresh token');
    user = refreshTokens.get(rt);
    refresh = rt;
  } else {
    return send(res, 400, { error: 'unsupported_grant_type', details: 'unsupported grant_type' });
  }
  entry.user = user;
  const access = grant(user, parseScopes(form.getAll('scope')));
  entry.granted = access;
  const { jwt, issuedAt } = makeJwt(user, access);
  return send(res, 200, {
    access_token: jwt,
    token: jwt,
    refresh_token: refresh,
    expires_in: cfg.ttl,
    issued_at: issuedAt,
    scope: access.map((a) => `${a.type}:${a.name}:${a.actions.join(',')}`).join(' '),
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const entry = {
    time: new Date().toISOString(),
    method: req.method,
    path: url.pathname,
    query: url.search.replace(/^\?/, ''),
    auth_header: Boolean(req.headers.authorization),
    auth_scheme: req.headers.authorization ? req.headers.authorization.split(' ')[0] : null,
  };
  res.on('finish', () => {
    entry.status = res.statusCode;
    logLine(entry);
  });

  if (url.pathname !== '/token') return send(res, 404, { details: 'not found' });
  if (req.method === 'GET') return handleGet(req, res, url, entry);
  if (req.method === 'POST') {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 65536) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      handlePost(req, res, form, entry);
    });
    return undefined;
  }
  return send(res, 405, { details: 'method not allowed' }, { Allow: 'GET, POST' });
});

server.listen(cfg.port, '127.0.0.1', () => {
  const { port } = server.address();
  if (cfg.portFile) {
    fs.writeFileSync(cfg.portFile + '.tmp', String(port) + '\n');
    fs.renameSync(cfg.portFile + '.tmp', cfg.portFile);
  }
  console.error(`token-server: listening on 127.0.0.1:${port}`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
}
