// layout-check.mjs: checks an OCI image layout the way the reliability
// tests need, for images and wasm artifacts alike (oci-image-tool knows
// only image configs): every file in blobs/sha256 is named by the sha256
// of its bytes, and everything index.json reaches (manifests, indexes,
// configs, layers) is present with the size and digest its descriptor
// gives. Prints one line per problem; exits 1 if there is any.
//
//   node tests/tools/layout-check.mjs DIR [--quiet]
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: layout-check.mjs DIR\n');
  process.exit(2);
}
const problems = [];
const blobs = path.join(dir, 'blobs', 'sha256');
const hashOf = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

try {
  const layout = JSON.parse(fs.readFileSync(path.join(dir, 'oci-layout'), 'utf8'));
  if (layout.imageLayoutVersion !== '1.0.0') problems.push('oci-layout: not version 1.0.0');
} catch (e) {
  problems.push(`oci-layout: ${e.message}`);
}

let names = [];
try {
  names = fs.readdirSync(blobs);
} catch (e) {
  problems.push(`blobs/sha256: ${e.message}`);
}
for (const name of names) {
  if (!/^[0-9a-f]{64}$/.test(name)) {
    problems.push(`blobs/sha256/${name}: not a digest`);
    continue;
  }
  const got = hashOf(path.join(blobs, name));
  if (got !== name) problems.push(`blobs/sha256/${name}: its bytes hash to ${got}`);
}

const MANIFESTS = ['application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json'];
const INDEXES = ['application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json'];

// Reads what a descriptor points at, checking size and digest; null when
// it cannot be read as it should.
function fetch(desc, where) {
  const m = /^sha256:([0-9a-f]{64})$/.exec(desc && desc.digest);
  if (!m) {
    problems.push(`${where}: bad digest ${JSON.stringify(desc && desc.digest)}`);
    return null;
  }
  const file = path.join(blobs, m[1]);
  if (!fs.existsSync(file)) {
    problems.push(`${where}: blob ${desc.digest} is missing`);
    return null;
  }
  const data = fs.readFileSync(file);
  if (data.length !== desc.size) problems.push(`${where}: ${desc.digest} has ${data.length} bytes, not ${desc.size}`);
  return data;
}

function walk(desc, where, depth) {
  if (depth > 8) {
    problems.push(`${where}: nested too deep`);
    return;
  }
  const data = fetch(desc, where);
  if (!data) return;
  const isManifest = MANIFESTS.includes(desc.mediaType);
  const isIndex = INDEXES.includes(desc.mediaType);
  if (!isManifest && !isIndex) return;
  let doc;
  try {
    doc = JSON.parse(data.toString('utf8'));
  } catch (e) {
    problems.push(`${where}: ${desc.digest} is not JSON: ${e.message}`);
    return;
  }
  if (isIndex) {
    (doc.manifests || []).forEach((d, i) => walk(d, `${where} > manifests[${i}]`, depth + 1));
    return;
  }
  if (!doc.config) problems.push(`${where}: manifest ${desc.digest} has no config`);
  else walk(doc.config, `${where} > config`, depth + 1);
  (doc.layers || []).forEach((d, i) => walk(d, `${where} > layers[${i}]`, depth + 1));
}

try {
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  if (index.schemaVersion !== 2 || !Array.isArray(index.manifests)) problems.push('index.json: not an OCI index');
  else index.manifests.forEach((d, i) => {
    const name = (d.annotations || {})['io.containerd.image.name'] || `manifests[${i}]`;
    walk(d, `index.json ${name}`, 0);
  });
} catch (e) {
  problems.push(`index.json: ${e.message}`);
}

for (const p of problems) process.stdout.write(`${dir}: ${p}\n`);
process.exit(problems.length ? 1 : 0);
