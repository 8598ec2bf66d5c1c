// wasm-pad.mjs: writes a copy of a wasm module with a custom section of
// BYTES seeded pseudo-random bytes appended, so tests get modules (and
// layers: random bytes do not compress) of any size that wasmpack builds.
//
//   node tests/tools/wasm-pad.mjs IN.wasm OUT.wasm BYTES [SEED]
import fs from 'node:fs';

const [input, output, bytesText, seedText] = process.argv.slice(2);
const bytes = Number(bytesText);
if (!input || !output || !(bytes >= 0) || !Number.isInteger(bytes)) {
  process.stderr.write('usage: wasm-pad.mjs IN.wasm OUT.wasm BYTES [SEED]\n');
  process.exit(2);
}
const leb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
};
// xorshift32: the same seed gives the same module.
let x = (Number(seedText || 1) >>> 0) || 1;
const payload = Buffer.alloc(bytes);
for (let i = 0; i < bytes; i++) {
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  x >>>= 0;
  payload[i] = x & 0xff;
}
const name = Buffer.from('wasmpack-test-pad');
const body = Buffer.concat([leb(name.length), name, payload]);
fs.writeFileSync(output, Buffer.concat([fs.readFileSync(input), Buffer.from([0]), leb(body.length), body]));
