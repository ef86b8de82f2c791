// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
//
// Reads an --output DIR's waits.pb.gz with Datadog's pprof-format (the
// npm registry's decoder of google/pprof's profile.proto) and checks it
// against the same DIR's waits.folded, parsed here as flame graph tools
// read it ("ID;PHASE;ROOT;...;LEAF NS", or with a waker's stack
// "ID;PHASE;ROOT;...;LEAF;--;WAKER FRAMES...;WAKER COMM NS", as bcc's
// offwaketime folds it): the sample types, every sample's labels, and
// the off-CPU nanoseconds per container and phase, per leaf frame of the
// wait and per waker (the pprof label, the folded line's last name after
// "--"), equal in both; the string table begins with "".  Prints
// the per (container, phase) sums as JSON lines for the caller to check
// against the records.
//
//   node check_waits.js DIR
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { Profile } = require('pprof-format');

const dir = process.argv[2];
const errors = [];
const fail = (msg) => errors.push(msg);

const prof = Profile.decode(zlib.gunzipSync(
	fs.readFileSync(path.join(dir, 'waits.pb.gz'))));
const strs = prof.stringTable.strings;
const str = (i) => strs[Number(i)];
if (strs[0] !== '')
	fail('string 0 is not ""');
const types = prof.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`);
if (types.join(',') !== 'off-cpu/nanoseconds,waits/count')
	fail(`sample types ${types}`);

const names = new Map();
const locs = new Map();
for (const f of prof.function)
	names.set(Number(f.id), str(f.name));
for (const l of prof.location)
	locs.set(Number(l.id), names.get(Number(l.line[0].functionId)));

const byPhase = new Map(), byLeaf = new Map(), byWaker = new Map();
const add = (m, k, v) => m.set(k, (m.get(k) || 0n) + v);
for (const s of prof.sample) {
	const lab = {};
	for (const l of s.label)
		lab[str(l.key)] = str(l.str);
	for (const k of ['container', 'runtime', 'engine', 'phase', 'state'])
		if (!lab[k])
			fail(`a sample without label ${k}`);
	const ns = BigInt(s.value[0]);
	add(byPhase, `${lab.container};${lab.phase}`, ns);
	add(byLeaf, locs.get(Number(s.locationId[0])), ns);
	if (lab.waker)
		add(byWaker, lab.waker, ns);
}

const fPhase = new Map(), fLeaf = new Map(), fWaker = new Map();
for (const line of fs.readFileSync(path.join(dir, 'waits.folded'), 'utf8')
	.split('\n').filter((l) => l)) {
	const sp = line.lastIndexOf(' ');
	const frames = line.slice(0, sp).split(';');
	const ns = BigInt(line.slice(sp + 1));
	const dash = frames.indexOf('--');
	const own = dash < 0 ? frames : frames.slice(0, dash);
	add(fPhase, `${frames[0]};${frames[1]}`, ns);
	add(fLeaf, own[own.length - 1], ns);
	if (dash >= 0)
		add(fWaker, frames[frames.length - 1], ns);
}

const same = (a, b, what) => {
	for (const k of new Set([...a.keys(), ...b.keys()]))
		if (a.get(k) !== b.get(k))
			fail(`${what} ${k}: pprof ${a.get(k)}, folded ${b.get(k)}`);
};
same(byPhase, fPhase, 'container;phase');
same(byLeaf, fLeaf, 'leaf');
same(byWaker, fWaker, 'waker');
if (!byPhase.size)
	fail('no samples');

if (errors.length) {
	console.error(errors.slice(0, 10).join('\n'));
	process.exit(1);
}
for (const [k, v] of byPhase) {
	const [container, phase] = k.split(';');
	console.log(JSON.stringify({ container, phase, ns: Number(v) }));
}
