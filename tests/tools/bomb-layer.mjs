// Adds to an OCI layout an image whose one gzip tar layer holds a module of
// SIZE bytes ("\0asm" and zeros): a layer of about a thousandth of that.
//
//   node bomb-layer.mjs LAYOUT NAME SIZE
//
// NAME goes into index.json as io.containerd.image.name. Streams: memory
// stays small whatever SIZE is.
import { createHash } from "node:crypto";
import { createWriteStream, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createGzip } from "node:zlib";
import { once } from "node:events";

const [dir, name, sizeText] = process.argv.slice(2);
const size = Number(sizeText);
const sha = (b) => createHash("sha256").update(b).digest("hex");

function header(path, n) {
  const h = Buffer.alloc(512);
  const put = (s, off) => h.write(s, off, "latin1");
  put(path, 0);
  put("0000644\0", 100);
  put("0000000\0", 108);
  put("0000000\0", 116);
  put(n.toString(8).padStart(11, "0") + "\0", 124);
  put("00000000000\0", 136);
  put("        ", 148);
  put("0", 156);
  put("ustar\0", 257);
  put("00", 263);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

const tmp = `${dir}/blobs/sha256/.bomb-tmp`;
const out = createWriteStream(tmp);
const gz = createGzip({ level: 1 });
const hash = createHash("sha256");
let layerSize = 0;
gz.on("data", (c) => {
  hash.update(c);
  layerSize += c.length;
  if (!out.write(c)) gz.pause(), out.once("drain", () => gz.resume());
});
const write = async (b) => {
  if (!gz.write(b)) await once(gz, "drain");
};
await write(header("big.wasm", size));
const chunk = Buffer.alloc(1 << 20);
let left = size;
const first = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
first.copy(chunk);
while (left > 0) {
  const n = Math.min(left, chunk.length);
  await write(chunk.subarray(0, n));
  if (left === size) chunk.fill(0, 0, 8);
  left -= n;
}
await write(Buffer.alloc((512 - (size % 512)) % 512 + 1024));
gz.end();
await once(gz, "end");
out.end();
await once(out, "finish");
const layerDigest = hash.digest("hex");
renameSync(tmp, `${dir}/blobs/sha256/${layerDigest}`);

const blob = (bytes, mediaType) => {
  const hex = sha(bytes);
  writeFileSync(`${dir}/blobs/sha256/${hex}`, bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
};
const config = blob(
  Buffer.from(JSON.stringify({
    architecture: "wasm32", os: "wasi",
    config: { Entrypoint: ["/big.wasm"] },
    rootfs: { type: "layers", diff_ids: [] },
  })),
  "application/vnd.oci.image.config.v1+json");
const manifest = blob(
  Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config,
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
               digest: `sha256:${layerDigest}`, size: layerSize }],
  })),
  "application/vnd.oci.image.manifest.v1+json");
const index = JSON.parse(readFileSync(`${dir}/index.json`, "utf8"));
index.manifests.push({ ...manifest, annotations: { "io.containerd.image.name": name } });
writeFileSync(`${dir}/index.json`, JSON.stringify(index));
console.log(manifest.digest);
