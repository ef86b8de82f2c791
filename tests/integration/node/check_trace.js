// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
//
// Loads an --output DIR's trace.json with a real trace parser
// (@tracerbench/trace-model, the model DevTools-like tools build) and
// checks it against the same DIR's containers.jsonl and chains.jsonl:
// every process and every track has a name, one track per container with
// its phases (their slices' missing steps as the records say them), one
// process per chain with a track per step, and the
// slices of a track nest (a slice that overlaps another one contains it
// or lies inside it, so viewers draw them as a stack).
//
//   node check_trace.js DIR
'use strict';

const fs = require('fs');
const path = require('path');
const { buildModel } = require('@tracerbench/trace-model');

const dir = process.argv[2];
const errors = [];
const fail = (msg) => errors.push(msg);

function jsonl(name) {
	const file = path.join(dir, name);
	return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l)
		.map((l) => JSON.parse(l)).filter((r) => r.type !== 'meta');
}

const trace = JSON.parse(fs.readFileSync(path.join(dir, 'trace.json'), 'utf8'));
const model = buildModel(trace);	// throws on what DevTools rejects too
const containers = jsonl('containers.jsonl').filter((r) => r.type === 'container');
const chains = fs.existsSync(path.join(dir, 'chains.jsonl')) ?
	jsonl('chains.jsonl').filter((r) => r.type === 'chain') : [];

for (const ev of trace.traceEvents)
	if (typeof ev.cat !== 'string' || !ev.cat)
		fail(`event ${ev.ph} ${ev.name} has no cat`);

const threads = [];
for (const p of model.processes) {
	if (!p.name)
		fail(`process ${p.id} has no name`);
	for (const t of p.threads) {
		threads.push(t);
		if (!t.name)
			fail(`process ${p.id} (${p.name}) track ${t.id} has no name`);
	}
}

// Nesting: on one track, two slices are disjoint or one holds the other,
// and the parser's parent of a slice holds it.  ts and dur are in µs with
// three decimals: sums of them are off by less than EPS in doubles.
const EPS = 0.0005;
for (const t of threads) {
	const xs = t.events.filter((e) => e.isComplete());
	for (const e of xs) {
		const p = e.parent;
		if (p && (e.start < p.start - EPS || e.end > p.end + EPS))
			fail(`${t.name}: ${e.name} [${e.start},${e.end}] outside its parent ${p.name} [${p.start},${p.end}]`);
	}
	for (let i = 0; i < xs.length; i++)
		for (let j = i + 1; j < xs.length; j++) {
			const a = xs[i], b = xs[j];
			const disjoint = a.end <= b.start + EPS ||
				b.end <= a.start + EPS;
			const nested = (a.start <= b.start + EPS && b.end <= a.end + EPS) ||
				(b.start <= a.start + EPS && a.end <= b.end + EPS);
			if (!disjoint && !nested)
				fail(`${t.name}: ${a.name} and ${b.name} overlap without nesting`);
		}
}

// One track per container record, named by its id, holding its phases.
// A container started again (docker start, docker restart) is one record
// per generation, each with its own track: paired in time order.
const generations = new Map();
for (const c of containers) {
	const id12 = c.id.slice(0, 12);
	if (!generations.has(id12))
		generations.set(id12, []);
	generations.get(id12).push(c);
}
const firstStart = (t) => Math.min(...t.events.filter((e) => e.isComplete())
	.map((e) => e.start));
for (const [id12, recs] of generations) {
	const ts = threads.filter((x) => x.name.startsWith(id12) &&
		!/ carrier (state|waits|wakers)/.test(x.name));
	if (ts.length !== recs.length) {
		fail(`container ${id12}: ${ts.length} tracks (want ${recs.length})`);
		continue;
	}
	// generations of one id are seconds apart: doubles order them
	recs.sort((a, b) => a.start_ns - b.start_ns);
	ts.sort((a, b) => firstStart(a) - firstStart(b));
	recs.forEach((c, i) => {
		// an open phase (no end) has no slice
		const want = Object.keys(c.phases)
			.filter((k) => c.phases[k].dur_ns !== null).sort().join(',');
		const got = ts[i].events.filter((e) => e.isComplete() &&
			e.hasCategory('phase')).map((e) => e.name).sort().join(',');
		if (want !== got)
			fail(`container ${id12} #${i + 1}: phases ${got} (want ${want})`);
		if (c.name && !ts[i].name.includes(c.name))
			fail(`container ${id12}: track "${ts[i].name}" lacks its name ${c.name}`);
	});
}

// A phase's missing steps and why (docs/phases.md "Missing steps"): its
// slice's args say what its record says, pods' and containers' alike
// (generations of an id in time order).
const said = new Map(), told = new Map();
const push = (m, k, v) => m.set(k, (m.get(k) || []).concat([v]));
for (const ev of trace.traceEvents)
	if (ev.ph === 'X' && ev.cat === 'phase')
		push(said, `${ev.args.id} ${ev.name}`,
			[ev.ts, JSON.stringify(ev.args.missing || {})]);
for (const r of jsonl('containers.jsonl'))
	for (const [p, ph] of Object.entries(r.phases || {}))
		if (ph.dur_ns !== null)
			push(told, `${r.id} ${p}`,
				[ph.start_ns, JSON.stringify(ph.missing || {})]);
for (const [k, want] of told) {
	const got = (said.get(k) || []).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
	want.sort((a, b) => a[0] - b[0]);
	if (got.join() !== want.map((x) => x[1]).join())
		fail(`${k.slice(0, 12)}${k.slice(64)}: missing ${got} in trace.json, ${want.map((x) => x[1])} in its record`);
}

// --why's waits: each wait slice inside its container's phase (its
// track names the container, its args the phase), and each wakeup's flow
// arrow ('s' on the wakers' track, 'f' inside a wait slice of its own
// track) whole: one start and one end per id.
const base = trace.otherData.base_ns;
const flows = new Map();
for (const ev of trace.traceEvents) {
	if (ev.cat === 'wakeup' && (ev.ph === 's' || ev.ph === 'f')) {
		if (!flows.has(ev.id))
			flows.set(ev.id, {});
		flows.get(ev.id)[ev.ph] = ev;
	}
}
const waitTracks = threads.filter((t) => / carrier waits /.test(t.name));
let nwaits = 0;
for (const t of waitTracks) {
	const c = containers.find((r) => t.name.startsWith(r.id.slice(0, 12)));
	for (const e of t.events.filter((x) => x.isComplete())) {
		const ph = c && c.phases[e.args.phase];
		nwaits++;
		if (!ph || ph.dur_ns === null) {
			fail(`${t.name}: ${e.name} in no phase of a record`);
			continue;
		}
		// start_ns and base_ns as JSON numbers are doubles here:
		// ns of 2026 are 1.8e18, 256 ns a step
		const s = (ph.start_ns - base) / 1e3, end = s + ph.dur_ns / 1e3;
		if (e.start < s - 0.6 || e.end > end + 0.6)
			fail(`${t.name}: ${e.name} [${e.start},${e.end}] outside ${e.args.phase} [${s},${end}]`);
	}
}
for (const [id, f] of flows) {
	if (!f.s || !f.f) {
		fail(`wakeup flow ${id} has no ${f.s ? 'end' : 'start'}`);
		continue;
	}
	const t = threads.find((x) => x.id === f.f.tid && / carrier waits /.test(x.name));
	const at = f.f.ts;
	if (!t || !t.events.some((e) => e.isComplete() &&
		e.start <= at + EPS && at <= e.end + EPS))
		fail(`wakeup flow ${id}: its end at ${at} in no wait slice`);
}
if (nwaits)
	console.log(`waits: ${nwaits} wait slices, ${flows.size} wakeup flows`);

// One process per chain, a track per step plus the whole chain's.
const chainProcs = model.processes.filter((p) => p.name.startsWith('chain '));
if (chainProcs.length !== chains.length)
	fail(`${chainProcs.length} chain processes (want ${chains.length})`);
for (const ch of chains) {
	const p = chainProcs.find((x) => x.name.includes(`runner ${ch.runner.pid} `));
	if (!p) {
		fail(`chain of runner ${ch.runner.pid}: no process`);
		continue;
	}
	if (p.threads.length !== ch.steps.length + 1)
		fail(`chain of runner ${ch.runner.pid}: ${p.threads.length} tracks (want ${ch.steps.length + 1})`);
}

// One process per pull: the whole pull's track and one per layer.
const pulls = fs.existsSync(path.join(dir, 'pulls.jsonl')) ?
	jsonl('pulls.jsonl').filter((r) => r.type === 'pull') : [];
const pullProcs = model.processes.filter((p) => p.name.startsWith('pull '));
if (pullProcs.length !== pulls.length)
	fail(`${pullProcs.length} pull processes (want ${pulls.length})`);
for (const [i, pl] of pulls.entries()) {
	const p = pullProcs[i];
	if (p && p.threads.length !== pl.layers.length + 1)
		fail(`pull ${pl.image}: ${p.threads.length} tracks (want ${pl.layers.length + 1})`);
}

const nx = model.events.filter((e) => e.isComplete()).length;
console.log(`trace.json: ${model.processes.length} processes, ${threads.length} tracks, ${nx} slices, ${containers.length} containers, ${chains.length} chains`);
if (errors.length) {
	for (const e of errors.slice(0, 20))
		console.error(`FAIL: ${e}`);
	process.exit(1);
}
