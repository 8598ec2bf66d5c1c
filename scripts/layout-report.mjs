#!/usr/bin/env node
// Reports the shape of the tree: dependency cycles between source files
// (from the objects' own symbol tables: file A depends on file B when A uses
// a symbol B defines, so calls through headers count), include cycles
// between headers, the layering rules of shared/design/layout.md, and the
// longest functions and largest files.
//   scripts/layout-report.mjs [BUILD]          the report
//   scripts/layout-report.mjs --check [BUILD]  "layout: N passed, N failed";
//                                               exit 1 on a cycle or a broken rule
// BUILD is the build directory holding lib/ and cmd/ objects (default build).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative, normalize } from 'node:path';

const args = process.argv.slice(2);
const check = args[0] === '--check';
if (check) args.shift();
const build = args[0] || 'build';
const root = join(dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);

function walk(dir, pred, out = []) {
	if (!existsSync(dir)) return out;
	for (const name of readdirSync(dir).sort()) {
		const p = join(dir, name);
		if (statSync(p).isDirectory()) walk(p, pred, out);
		else if (pred(p)) out.push(p);
	}
	return out;
}

// ---- symbol-level dependencies between object files
function symbols(obj) {
	const out = execFileSync('nm', ['--defined-only', '-g', obj], { encoding: 'utf8' });
	const undef = execFileSync('nm', ['-u', obj], { encoding: 'utf8' });
	const parse = (s) => s.split('\n').map((l) => l.trim().split(/\s+/).pop()).filter(Boolean);
	return { defs: parse(out), uses: parse(undef) };
}

function objectGraph(prefix) {
	const objs = walk(join(build, prefix), (p) => p.endsWith('.o'));
	const owner = new Map();
	const info = new Map();
	for (const o of objs) {
		const src = relative(build, o).replace(/\.o$/, '.c');
		if (!existsSync(src)) continue; // a stale object of a removed file
		const s = symbols(o);
		info.set(src, s);
		for (const d of s.defs) owner.set(d, src);
	}
	const edges = new Map();
	for (const [src, s] of info) {
		const to = new Set();
		for (const u of s.uses) {
			const o = owner.get(u);
			if (o && o !== src) to.add(o);
		}
		edges.set(src, to);
	}
	return edges;
}

// ---- include graph between our headers and sources
function includeGraph() {
	const files = [...walk('lib', (p) => /\.[ch]$/.test(p)), ...walk('cmd', (p) => /\.[ch]$/.test(p))];
	const edges = new Map();
	for (const f of files) {
		const to = new Set();
		for (const m of readFileSync(f, 'utf8').matchAll(/^#\s*include\s+"([^"]+)"/gm)) {
			const name = m[1];
			const cands = [join(dirname(f), name), join('lib', name), join('lib/include', name)];
			const hit = cands.map(normalize).find((c) => existsSync(c));
			if (hit) to.add(hit);
		}
		edges.set(f, to);
	}
	return edges;
}

// Tarjan's strongly connected components: each component of more than one
// node is a cycle.
function cycles(edges) {
	let index = 0;
	const idx = new Map(), low = new Map(), onStack = new Set(), stack = [], out = [];
	function visit(v) {
		idx.set(v, index); low.set(v, index); index++;
		stack.push(v); onStack.add(v);
		for (const w of edges.get(v) || []) {
			if (!edges.has(w)) continue;
			if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
			else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
		}
		if (low.get(v) === idx.get(v)) {
			const comp = [];
			let w;
			do { w = stack.pop(); onStack.delete(w); comp.push(w); } while (w !== v);
			if (comp.length > 1) out.push(comp.sort());
		}
	}
	for (const v of edges.keys()) if (!idx.has(v)) visit(v);
	return out;
}

// ---- layering rules of layout.md, on includes of internal headers
function subsystem(f) {
	const m = f.match(/^lib\/([a-z_]+)\//);
	if (f.startsWith('lib/include/')) return 'public';
	if (m) return m[1];
	if (f.startsWith('lib/')) return 'top';
	if (f.startsWith('cmd/')) return 'cmd';
	return 'other';
}
const allowed = {
	util: ['util', 'public'],
	oci: ['oci', 'util', 'public'],
	wasm: ['wasm', 'util', 'public'],
	image: ['image', 'oci', 'wasm', 'util', 'store', 'public'],
	store: ['store', 'image', 'oci', 'wasm', 'util', 'public'],
	registry: ['registry', 'oci', 'util', 'public'],
	cmd: ['cmd', 'public'],
};
function ruleBreaks(inc) {
	const out = [];
	for (const [f, to] of inc) {
		const s = subsystem(f);
		if (!allowed[s]) continue;
		for (const t of to) {
			const ts = subsystem(t);
			if (!allowed[s].includes(ts)) out.push(`${f} includes ${t} (${s} may use ${allowed[s].join(', ')})`);
		}
	}
	return out;
}
function callBreaks(graph) {
	const out = [];
	for (const [f, to] of graph) {
		const s = subsystem(f);
		if (!allowed[s]) continue;
		for (const t of to) {
			const ts = subsystem(t);
			if (!allowed[s].includes(ts)) out.push(`${f} calls into ${t}`);
		}
	}
	return out;
}

// ---- function lengths: a definition starts at a line that opens a
// function at column 0 and ends at the matching "}" at column 0.
function functions() {
	const out = [];
	for (const f of [...walk('lib', (p) => p.endsWith('.c')), ...walk('cmd', (p) => p.endsWith('.c'))]) {
		const lines = readFileSync(f, 'utf8').split('\n');
		for (let i = 0; i < lines.length; i++) {
			if (lines[i] !== '{') continue;
			let j = i - 1;
			while (j > 0 && !/\(/.test(lines[j]) ) j--;
			const head = lines[j].match(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/);
			let k = i + 1;
			while (k < lines.length && lines[k] !== '}') k++;
			if (head) out.push({ name: head[1], file: f, lines: k - j + 1 });
			i = k;
		}
	}
	return out.sort((a, b) => b.lines - a.lines);
}

function fileSizes() {
	return [...walk('lib', (p) => /\.[ch]$/.test(p)), ...walk('cmd', (p) => /\.[ch]$/.test(p))]
		.map((f) => ({ file: f, lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
		.sort((a, b) => b.lines - a.lines);
}

const libGraph = objectGraph('lib');
const cmdGraph = objectGraph('cmd');
const inc = includeGraph();
const callCycles = [...cycles(libGraph), ...cycles(cmdGraph)];
const incCycles = cycles(inc);
const breaks = [...ruleBreaks(inc), ...callBreaks(libGraph)];

if (check) {
	let pass = 0, fail = 0;
	const ok = (cond, what, detail) => {
		if (cond) { pass++; console.log(`ok - ${what}`); }
		else { fail++; console.log(`FAIL - ${what}`); for (const d of detail) console.log(`    ${d}`); }
	};
	if (libGraph.size === 0) {
		console.log(`layout: no objects under ${build}/lib: build first`);
		console.log('layout: 0 passed, 1 failed');
		process.exit(1);
	}
	ok(callCycles.length === 0, 'no call cycles between source files', callCycles.map((c) => c.join(' <-> ')));
	ok(incCycles.length === 0, 'no include cycles', incCycles.map((c) => c.join(' <-> ')));
	ok(breaks.length === 0, 'subsystems use only the layers below them (layout.md)', breaks);
	console.log(`layout: ${pass} passed, ${fail} failed`);
	process.exit(fail ? 1 : 0);
}

console.log('## Call cycles between source files (symbols one object uses from another)');
if (!callCycles.length) console.log('none');
for (const c of callCycles) console.log('- ' + c.join(' <-> '));
console.log('\n## Include cycles');
if (!incCycles.length) console.log('none');
for (const c of incCycles) console.log('- ' + c.join(' <-> '));
console.log('\n## Layering rules broken');
if (!breaks.length) console.log('none');
for (const b of breaks) console.log('- ' + b);
console.log('\n## Longest 10 functions (lines)');
for (const f of functions().slice(0, 10)) console.log(`- ${f.lines} ${f.name} (${f.file})`);
console.log('\n## Largest 10 files (lines)');
for (const f of fileSizes().slice(0, 10)) console.log(`- ${f.lines} ${f.file}`);
