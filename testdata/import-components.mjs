// Writes components that each import one instance, for the capability
// tests: no toolchain builds these cheaply, and the encoding is small. A
// component is the preamble, a type section (id 7) with one empty
// instance type (0x42 0x00), and an import section (id 10) with one
// import of that type: 0x00 (plain name), the name, 0x05 (instance) 0x00.
//   node import-components.mjs OUTDIR
import { writeFileSync } from "node:fs";

const out = process.argv[2];
const leb = (n) => {
	const b = [];
	do {
		let byte = n & 0x7f;
		n >>>= 7;
		if (n) byte |= 0x80;
		b.push(byte);
	} while (n);
	return b;
};
const section = (id, body) => [id, ...leb(body.length), ...body];
const component = (name) => {
	const utf8 = [...Buffer.from(name, "utf8")];
	const types = section(7, [1, 0x42, 0x00]);
	const imports = section(10, [1, 0x00, ...leb(utf8.length), ...utf8, 0x05, 0x00]);
	return Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, ...types, ...imports]);
};
const files = {
	"spin-http.component.wasm": "fermyon:spin/outbound-http",
	"sockets.component.wasm": "wasi:sockets/tcp@0.2.0",
	"unknown.component.wasm": "acme:billing/charge@1.0.0",
};
for (const [file, name] of Object.entries(files)) writeFileSync(`${out}/${file}`, component(name));
