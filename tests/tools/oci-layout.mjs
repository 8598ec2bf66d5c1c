// Writes images into an OCI image layout by hand, for the interop fixtures:
// formats no tool here produces (runwasi, wasm-to-oci, CNCF artifacts,
// uncompressed or hostile tar layers, indexes and Docker manifest lists).
//
//   node oci-layout.mjs image '{"layout":DIR,"tag":T,"manifestType":"oci"|"docker",
//        "config":{"mediaType":MT,"json":{...}} | {"image":{"os","architecture","config":{...}}},
//        "layers":[{"mediaType":MT,"file":F,"annotations":{...}}],"annotations":{...}}'
//   node oci-layout.mjs index '{"layout":DIR,"tag":T,"mediaType":MT,
//        "entries":[{"tag":EXISTING_TAG,"platform":{"os","architecture"}}]}'
//
// An "image" config gets rootfs.diff_ids computed from its tar layers. The
// tag goes into index.json as org.opencontainers.image.ref.name; the
// manifest's descriptor is printed.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

const sha = (b) => "sha256:" + createHash("sha256").update(b).digest("hex");

function init(dir) {
  mkdirSync(`${dir}/blobs/sha256`, { recursive: true });
  if (!existsSync(`${dir}/oci-layout`))
    writeFileSync(`${dir}/oci-layout`, '{"imageLayoutVersion":"1.0.0"}');
  if (!existsSync(`${dir}/index.json`))
    writeFileSync(`${dir}/index.json`, '{"schemaVersion":2,"manifests":[]}');
}

function blob(dir, bytes, mediaType, annotations) {
  const digest = sha(bytes);
  writeFileSync(`${dir}/blobs/sha256/${digest.slice(7)}`, bytes);
  const d = { mediaType, digest, size: bytes.length };
  if (annotations) d.annotations = annotations;
  return d;
}

function tag(dir, name, desc) {
  const index = JSON.parse(readFileSync(`${dir}/index.json`, "utf8"));
  index.manifests = index.manifests.filter(
    (m) => (m.annotations || {})["org.opencontainers.image.ref.name"] !== name);
  index.manifests.push({ ...desc, annotations: { "org.opencontainers.image.ref.name": name } });
  writeFileSync(`${dir}/index.json`, JSON.stringify(index));
}

function lookup(dir, name) {
  const index = JSON.parse(readFileSync(`${dir}/index.json`, "utf8"));
  const m = index.manifests.find((e) => (e.annotations || {})["org.opencontainers.image.ref.name"] === name);
  if (!m) throw new Error(`no tag ${name} in ${dir}`);
  return { mediaType: m.mediaType, digest: m.digest, size: m.size };
}

const MT = {
  oci: "application/vnd.oci.image.manifest.v1+json",
  docker: "application/vnd.docker.distribution.manifest.v2+json",
};

function image(spec) {
  init(spec.layout);
  const layers = spec.layers.map((l) =>
    blob(spec.layout, readFileSync(l.file), l.mediaType, l.annotations));
  let config;
  if (spec.config.image) {
    const diffIds = spec.layers
      .filter((l) => l.mediaType.includes("tar"))
      .map((l) => {
        const b = readFileSync(l.file);
        return sha(b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b);
      });
    const c = { ...spec.config.image, rootfs: { type: "layers", diff_ids: diffIds } };
    const type = spec.manifestType === "docker"
      ? "application/vnd.docker.container.image.v1+json"
      : "application/vnd.oci.image.config.v1+json";
    config = blob(spec.layout, Buffer.from(JSON.stringify(c)), type);
  } else {
    config = blob(spec.layout, Buffer.from(JSON.stringify(spec.config.json)), spec.config.mediaType);
  }
  const m = { schemaVersion: 2, mediaType: MT[spec.manifestType || "oci"], config, layers };
  if (spec.annotations) m.annotations = spec.annotations;
  const desc = blob(spec.layout, Buffer.from(JSON.stringify(m)), m.mediaType);
  tag(spec.layout, spec.tag, desc);
  return desc;
}

function index(spec) {
  init(spec.layout);
  const manifests = spec.entries.map((e) => ({ ...lookup(spec.layout, e.tag), platform: e.platform }));
  const idx = { schemaVersion: 2, mediaType: spec.mediaType, manifests };
  const desc = blob(spec.layout, Buffer.from(JSON.stringify(idx)), spec.mediaType);
  tag(spec.layout, spec.tag, desc);
  return desc;
}

const [cmd, json] = process.argv.slice(2);
const spec = JSON.parse(json);
const out = cmd === "image" ? image(spec) : cmd === "index" ? index(spec) : null;
if (!out) {
  console.error("usage: node oci-layout.mjs image|index SPEC");
  process.exit(2);
}
console.log(JSON.stringify(out));
