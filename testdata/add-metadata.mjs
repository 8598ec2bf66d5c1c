// Appends custom sections to a core module: `producers` (tool-conventions
// ProducersSection.md) and the wasm-metadata string sections, each holding
// raw UTF-8. Usage: node add-metadata.mjs IN.wasm OUT.wasm
// wat2wasm (wabt 1.0.32) ignores (@custom ...) annotations, hence this.
import { readFileSync, writeFileSync } from "node:fs";

function uleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

const name = (s) => {
  const b = Buffer.from(s, "utf8");
  return [...uleb(b.length), ...b];
};

function custom(sectionName, payload) {
  const body = [...name(sectionName), ...payload];
  return [0, ...uleb(body.length), ...body];
}

const producers = [
  ["language", [["C11", ""], ["WebAssembly Text", "1.0"]]],
  ["processed-by", [["wat2wasm", "1.0.32"], ["add-metadata.mjs", "1"]]],
];
const producersPayload = [...uleb(producers.length)];
for (const [field, values] of producers) {
  producersPayload.push(...name(field), ...uleb(values.length));
  for (const [n, v] of values) producersPayload.push(...name(n), ...name(v));
}

const strings = [
  ["authors", "Zoë Example <zoe@example.com>"],
  ["description", "A module carrying every wasm-metadata field"],
  ["licenses", "Apache-2.0 WITH LLVM-exception"],
  ["source", "https://example.com/wasmpack/testdata"],
  ["homepage", "https://example.com/wasmpack"],
  ["revision", "0123456789abcdef"],
  ["version", "1.2.3"],
];

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node add-metadata.mjs IN.wasm OUT.wasm");
  process.exit(2);
}
const bytes = [...readFileSync(input)];
bytes.push(...custom("producers", producersPayload));
for (const [n, v] of strings) bytes.push(...custom(n, [...Buffer.from(v, "utf8")]));
writeFileSync(output, Buffer.from(bytes));
