// Runs a WASI preview 1 command under Node's built-in node:wasi and exits
// with its exit code.
//
//   node run-wasi.mjs FILE.wasm [ARGS...]
//
// The guest sees argv = [FILE.wasm, ARGS...]. Its environment is only what
// is passed on purpose: every host variable WASI_ENV_<NAME>=<value> becomes
// <NAME>=<value> in the guest (WASI_ENV_GREETING=hi -> GREETING=hi).
// WASI_DIR=HOST[:GUEST] preopens the host directory HOST as GUEST (default
// "/"), so a guest path like /out.txt lands in HOST/out.txt. Without
// WASI_DIR the guest has no file system.
import { readFileSync } from "node:fs";

// node:wasi warns that it is experimental on every run; keep stderr for
// what the guest writes.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  if (String(warning).includes("WASI")) return;
  emitWarning.call(process, warning, ...rest);
};
const { WASI } = await import("node:wasi");

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error("usage: node run-wasi.mjs FILE.wasm [ARGS...]");
  process.exit(2);
}

const env = {};
for (const [k, v] of Object.entries(process.env)) {
  if (k.startsWith("WASI_ENV_") && k.length > "WASI_ENV_".length)
    env[k.slice("WASI_ENV_".length)] = v;
}

const preopens = {};
if (process.env.WASI_DIR) {
  const spec = process.env.WASI_DIR;
  const sep = spec.lastIndexOf(":");
  const host = sep > 0 ? spec.slice(0, sep) : spec;
  const guest = sep > 0 ? spec.slice(sep + 1) : "/";
  preopens[guest] = host;
}

const wasi = new WASI({
  version: "preview1",
  args: [file, ...args],
  env,
  preopens,
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance) ?? 0;
