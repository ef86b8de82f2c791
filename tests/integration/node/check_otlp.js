// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
//
// What otlp_receiver.js decoded from coldtrace --otlp, against the -j
// JSON Lines of the same replay (the records, independent of the OTLP
// encoder): the span count each record gives (a container: its root, a
// span per ended phase, one for a creation apart; a pull: its root and a
// span per layer seen with its fetch and unpack; a chain: its root and a
// span per step with its cold start and work), and with --strict every
// span: ids, parents, times to the nanosecond, the semantic conventions'
// attribute keys and values, --why's split, the resource, the summary's
// otlp counts.  Prints one JSON line of counts for the calling script.
//
//   node check_otlp.js LOG JSONL [--strict] [--path P] [--host NAME]
//                      [--names FILE]
'use strict';

const fs = require('fs');

const args = process.argv.slice(2);
const [logFile, jsonlFile] = args;
const opt = (name) => {
	const i = args.indexOf(name);
	return i < 0 ? null : args[i + 1];
};
const strict = args.includes('--strict');
const wantPath = opt('--path') || '/v1/traces';
const wantHost = opt('--host');
const names = opt('--names') ? JSON.parse(fs.readFileSync(opt('--names'))) : {};
const SCHEMA = 'https://opentelemetry.io/schemas/1.44.0';
const errors = [];
const fail = (msg) => errors.push(msg);

// JSON with integers past 2^53 kept exact: such digits outside strings
// become strings before JSON.parse (ns times are 19 digits).
function parseExact(text) {
	let out = '', i = 0, inStr = false;
	while (i < text.length) {
		const c = text[i];
		if (inStr) {
			out += c;
			if (c === '\\') {
				out += text[i + 1];
				i += 2;
				continue;
			}
			inStr = c !== '"';
			i++;
			continue;
		}
		if (c === '"') {
			inStr = true;
			out += c;
			i++;
			continue;
		}
		const m = /^-?\d+/.exec(text.slice(i, i + 32));
		if (m && !/[.eE]/.test(text[i + m[0].length] || '')) {
			out += m[0].length >= 16 ? `"${m[0]}"` : m[0];
			i += m[0].length;
			continue;
		}
		out += c;
		i++;
	}
	return JSON.parse(out);
}

const lines = (f) => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l);
const records = lines(jsonlFile).map(parseExact);
const requests = fs.existsSync(logFile) ? lines(logFile).map(JSON.parse) : [];
const B = (v) => BigInt(v);

// ---- what the records say the spans are ----

function containerSpans(r) {
	const ph = Object.values(r.phases || {});
	if (!ph.length)
		return 0;
	return 1 + ph.filter((p) => p.dur_ns !== null && p.dur_ns !== undefined)
		.length + (r.created ? 1 : 0) + stepsOf(r).length;
}

// every ended phase's steps (prepare's, destroy's): spans "PHASE.STEP",
// children of the phase's span; a CRI pod's CNI plugins (docs/phases.md
// "cri table"), nested in the step, plugin or phase that holds them:
// spans named by the plugin, children of their holder's span
function stepsOf(r) {
	const out = [];
	const walk = (list, phase, holder) => {
		for (const s of list || []) {
			const name = s.step.startsWith('cni:') ? s.step :
				`${phase}.${s.step}`;
			const w = { ...s, phase, name, holder };
			out.push(w);
			walk(s.steps, phase, w);
		}
	};
	for (const [ph, p] of Object.entries(r.phases || {}))
		if (p.dur_ns !== null && p.dur_ns !== undefined)
			walk(p.steps, ph, null);
	return out;
}

function pullSpans(p) {
	if (!p.start_ns || B(p.start_ns) === 0n)
		return 0;
	return 1 + p.layers.reduce((n, l) =>
		n + (l.fetch || l.unpack ? 1 + !!l.fetch + !!l.unpack : 0), 0);
}

function chainSpans(c) {
	return 1 + c.steps.reduce((n, s) => n + 1 +
		(B(s.cold_start_ns) > 0n) + (B(s.work_ns) > 0n), 0);
}

const kinds = {
	container: records.filter((r) => r.type === 'container' || r.type === 'pod'),
	pull: records.filter((r) => r.type === 'pull'),
	chain: records.filter((r) => r.type === 'chain'),
};
const expected = kinds.container.reduce((n, r) => n + containerSpans(r), 0) +
	kinds.pull.reduce((n, p) => n + pullSpans(p), 0) +
	kinds.chain.reduce((n, c) => n + chainSpans(c), 0);
const summary = records.find((r) => r.type === 'summary') || {};

// ---- what was received ----

const answers = {};
const spans = [];
const resources = [];
for (const q of requests) {
	answers[q.status] = (answers[q.status] || 0) + 1;
	if (q.error)
		fail(`request ${q.n}: not a valid ExportTraceServiceRequest: ${q.error}`);
	if (q.method !== 'POST' || q.path !== wantPath)
		fail(`request ${q.n}: ${q.method} ${q.path}, expected POST ${wantPath}`);
	if (q.ctype !== 'application/x-protobuf')
		fail(`request ${q.n}: Content-Type ${q.ctype}`);
	if (q.status < 200 || q.status > 299)
		continue;	// not taken: its spans come again, or are dropped
	for (const rs of q.resourceSpans || []) {
		resources.push(rs);
		for (const ss of rs.scopes)
			for (const s of ss.spans)
				spans.push(Object.assign({ schema: ss.schemaUrl,
							   scope: ss.scope }, s));
	}
}
const gaps = requests.slice(1).map((q, i) => q.t_ms - requests[i].t_ms);

// ---- --strict: every span ----

function checkIds() {
	const seen = new Set();
	const byTrace = new Map();
	for (const s of spans) {
		if (!/^[0-9a-f]{32}$/.test(s.traceId || '') || /^0+$/.test(s.traceId))
			fail(`${s.name}: trace id ${s.traceId}`);
		if (!/^[0-9a-f]{16}$/.test(s.spanId || '') || /^0+$/.test(s.spanId))
			fail(`${s.name}: span id ${s.spanId}`);
		if (seen.has(s.spanId))
			fail(`span id ${s.spanId} twice`);
		seen.add(s.spanId);
		if (!byTrace.has(s.traceId))
			byTrace.set(s.traceId, []);
		byTrace.get(s.traceId).push(s);
		if (B(s.end) < B(s.start))
			fail(`${s.name}: ends before it starts`);
		if (s.kind !== 1)
			fail(`${s.name}: kind ${s.kind}, expected INTERNAL (1)`);
	}
	for (const [t, list] of byTrace) {
		const ids = new Set(list.map((s) => s.spanId));
		const roots = list.filter((s) => !s.parentSpanId);
		if (roots.length !== 1)
			fail(`trace ${t}: ${roots.length} roots`);
		for (const s of list)
			if (s.parentSpanId && !ids.has(s.parentSpanId))
				fail(`${s.name} in ${t}: parent not in its trace`);
	}
	return byTrace;
}

function checkResource() {
	for (const rs of resources) {
		const a = rs.resource;
		if (a['service.name'] !== 'coldtrace' || a['os.type'] !== 'linux')
			fail(`resource: ${JSON.stringify(a)}`);
		if (wantHost && a['host.name'] !== wantHost)
			fail(`resource host.name ${a['host.name']}, expected ${wantHost}`);
		if (!wantHost && 'host.name' in a)
			fail(`resource host.name ${a['host.name']}: not recorded`);
		if ('coldtrace.lost_events' in a)
			fail('a pushed resource has coldtrace.lost_events');
		if (rs.schemaUrl !== SCHEMA)
			fail(`ResourceSpans schemaUrl ${rs.schemaUrl}`);
	}
	for (const s of spans)
		if (s.schema !== SCHEMA || !s.scope || s.scope.name !== 'coldtrace')
			fail(`${s.name}: scope ${JSON.stringify(s.scope)} ${s.schema}`);
}

// Only the conventions' namespaces, or coldtrace's own; none of
// coldtrace's where a convention has the name.
const KEY = /^(container|k8s|process|coldtrace)\.[a-z0-9_.]+$/;
const TAKEN = ['coldtrace.exit_code', 'coldtrace.name', 'coldtrace.id',
	'coldtrace.image', 'coldtrace.pod_name', 'coldtrace.namespace'];

function checkKeys() {
	for (const s of spans)
		for (const k of Object.keys(s.attrs))
			if (!KEY.test(k) || TAKEN.includes(k))
				fail(`${s.name}: attribute ${k}`);
}

const managed = { docker: 'docker', containerd: 'containerd', cri: 'containerd',
	podman: 'podman' };

function eq(what, got, want) {
	if (String(got) !== String(want))
		fail(`${what}: ${got}, expected ${want}`);
}

// Steps its engine looked for and could not place (docs/phases.md
// "Missing steps"): the phase span says why as the record's "missing".
function checkMissing(what, a, missing) {
	const pre = 'coldtrace.step_missing.';
	const got = Object.keys(a).filter((k) => k.startsWith(pre));
	eq(`${what} missing steps`, got.length, Object.keys(missing).length);
	for (const [step, why] of Object.entries(missing))
		eq(`${what} ${pre}${step}`, a[pre + step], why);
}

function checkContainer(r, root, kids) {
	const a = root.attrs, id = r.id;
	const rt = r.engine === 'direct' ? r.runtime : managed[r.engine];
	eq(`${id} container.id`, a['container.id'], id);
	if (r.name)
		eq(`${id} container.name`, a['container.name'], r.name);
	if (rt)
		eq(`${id} container.runtime.name`, a['container.runtime.name'], rt);
	eq(`${id} coldtrace.runtime`, a['coldtrace.runtime'], r.runtime);
	eq(`${id} coldtrace.engine`, a['coldtrace.engine'], r.engine);
	eq(`${id} coldtrace.complete`, a['coldtrace.complete'], r.complete);
	if (r.exit_code !== undefined && r.exit_code !== null)
		eq(`${id} process.exit.code`, a['process.exit.code'], r.exit_code);
	// the record's own image and Kubernetes names (-j: "image", "k8s")
	if (r.image)
		eq(`${id} container.image.name`,
		   r.image.startsWith(a['container.image.name']), true);
	const k8s = { 'k8s.pod.name': 'pod', 'k8s.namespace.name': 'namespace',
		'k8s.pod.uid': 'pod_uid', 'k8s.container.name': 'container' };
	for (const [key, field] of Object.entries(k8s))
		if (r.k8s && r.k8s[field])
			eq(`${id} ${key}`, a[key], r.k8s[field]);
		else if (key in a)
			fail(`${id}: ${key} the record does not know`);
	const n = names[id];
	for (const [key, want] of Object.entries(n || {}))
		eq(`${id} ${key}`, JSON.stringify(a[key]), JSON.stringify(want));
	const got = new Map(kids.filter((s) => s.attrs['coldtrace.phase'])
		.map((s) => [s.name, s]));
	for (const [p, ph] of Object.entries(r.phases)) {
		if (ph.dur_ns === null || ph.dur_ns === undefined) {
			if (got.has(p))
				fail(`${id} ${p}: a span for an open phase`);
			continue;
		}
		const s = got.get(p);
		if (!s) {
			fail(`${id} ${p}: no span`);
			continue;
		}
		eq(`${id} ${p} start`, s.start, ph.start_ns);
		eq(`${id} ${p} duration`, B(s.end) - B(s.start), ph.dur_ns);
		checkWhy(`${id} ${p}`, s.attrs, ph);
		checkMissing(`${id} ${p}`, s.attrs, ph.missing || {});
		checkWaits(`${id} ${p}`, s, ph);
		got.delete(p);
	}
	if (got.size)
		fail(`${id}: spans of phases not in the record: ${[...got.keys()]}`);
	checkSteps(r, kids);
	if (r.created) {
		const c = kids.find((s) => s.name === 'created');
		if (!c)
			fail(`${id}: no created span`);
		else
			eq(`${id} created`, B(c.end) - B(c.start), r.created.dur_ns);
	}
}

function checkSteps(r, kids) {
	const id = r.id, want = stepsOf(r);
	const got = kids.filter((s) => s.attrs['coldtrace.step']);
	if (got.length !== want.length)
		fail(`${id}: ${got.length} step spans, the record has ${want.length}`);
	// a plugin's name may come twice (its ADD, its DEL): by its start too
	const spanOf = (w) => got.find((x) => x.name === w.name &&
				       String(x.start) === String(w.start_ns));
	for (const w of want) {
		const name = w.name;
		const ph = kids.find((s) => s.name === w.phase &&
				     s.attrs['coldtrace.phase']);
		const holder = w.holder ? spanOf(w.holder) : ph;
		const s = spanOf(w);
		if (!s) {
			fail(`${id}: no span of ${w.phase}'s step ${w.step}`);
			continue;
		}
		eq(`${id} ${name} step`, s.attrs['coldtrace.step'], w.step);
		eq(`${id} ${name} parent`, s.parentSpanId, holder && holder.spanId);
		eq(`${id} ${name} start`, s.start, w.start_ns);
		eq(`${id} ${name} duration`, B(s.end) - B(s.start), w.dur_ns);
	}
}

function checkWhy(what, a, ph) {
	if (ph.cpu_ns !== undefined) {
		for (const k of ['cpu_ns', 'runq_ns', 'io_ns', 'sleep_ns', 'pid'])
			eq(`${what} coldtrace.why.${k}`, a[`coldtrace.why.${k}`],
			   ph[k]);
		for (const k of ['cpu_ns', 'runq_ns', 'io_ns'])
			eq(`${what} coldtrace.why.children_${k}`,
			   a[`coldtrace.why.children_${k}`], ph.children[k]);
	} else if (ph.why && ph.why.unattributable) {
		eq(`${what} coldtrace.why.none`, a['coldtrace.why.none'],
		   ph.why.unattributable);
	} else if (Object.keys(a).some((k) => k.startsWith('coldtrace.why.'))) {
		fail(`${what}: --why attributes without a split in the record`);
	}
}

// --why's wait sites: the span's events, one per site of the record's
// phase, in its order, at the phase's start (docs/why.md)
function checkWaits(what, s, ph) {
	const w = ph.waits;
	const ev = s.events || [];
	if (!w) {
		if (ev.length)
			fail(`${what}: events without wait sites in the record`);
		return;
	}
	eq(`${what} coldtrace.why.offcpu_ns`, s.attrs['coldtrace.why.offcpu_ns'],
	   w.offcpu_ns);
	eq(`${what} coldtrace.why.unattributed_ns`,
	   s.attrs['coldtrace.why.unattributed_ns'], w.unattributed_ns);
	eq(`${what} events`, ev.length, w.sites.length);
	w.sites.forEach((x, i) => {
		const e = ev[i];
		if (!e)
			return;
		eq(`${what} event ${i} time`, e.time, ph.start_ns);
		eq(`${what} event ${i} site`, e.attrs['coldtrace.wait.site'], x.site);
		eq(`${what} event ${i} ns`, e.attrs['coldtrace.wait.ns'], x.ns);
		eq(`${what} event ${i} waker`, e.attrs['coldtrace.wait.waker'],
		   x.waker.comm);
		eq(`${what} event ${i} waker_pid`,
		   e.attrs['coldtrace.wait.waker_pid'], x.waker.pid);
		if (!e.name.startsWith(x.site))
			fail(`${what} event ${i}: name ${e.name}, site ${x.site}`);
	});
}

function checkPull(p, root, kids) {
	eq('pull end', B(root.end) - B(root.start), p.dur_ns);
	if (p.image)
		eq('pull image', p.image.startsWith(root.attrs['container.image.name']),
		   true);
	const layers = kids.filter((s) => s.name === 'layer');
	const seen = p.layers.filter((l) => l.fetch || l.unpack);
	eq('pull layers', layers.length, seen.length);
	for (const l of seen) {
		const s = layers.find((x) =>
			x.attrs['coldtrace.layer.digest'] === l.digest);
		if (!s) {
			fail(`layer ${l.digest}: no span`);
			continue;
		}
		eq(`layer ${l.digest} bytes`, s.attrs['coldtrace.layer.bytes'], l.bytes);
		for (const part of ['fetch', 'unpack']) {
			const c = kids.find((x) => x.name === part &&
					    x.parentSpanId === s.spanId);
			if (!l[part] !== !c)
				fail(`layer ${l.digest}: ${part} span ${!!c}`);
			if (c) {
				eq(`layer ${part} start`, c.start, l[part].start_ns);
				eq(`layer ${part} duration`, B(c.end) - B(c.start),
				   l[part].dur_ns);
			}
		}
	}
}

function checkChain(c, root, kids) {
	eq('chain duration', B(root.end) - B(root.start), c.wall_ns);
	eq('chain runner', root.attrs['process.pid'], c.runner.pid);
	const steps = kids.filter((s) => s.name === 'step');
	eq('chain steps', steps.length, c.steps.length);
	c.steps.forEach((st, i) => {
		const s = steps.find((x) => String(x.attrs['coldtrace.step.index']) ===
				     String(i));
		if (!s)
			return fail(`chain step ${i}: no span`);
		eq(`step ${i} container.id`, s.attrs['container.id'], st.id);
		eq(`step ${i} start`, s.start, st.needed_ns);
		eq(`step ${i} end`, s.end, st.result_ns);
		const cold = kids.find((x) => x.name === 'cold start' &&
				       x.parentSpanId === s.spanId);
		eq(`step ${i} cold start span`, !!cold, B(st.cold_start_ns) > 0n);
		if (cold)
			eq(`step ${i} cold start`, B(cold.end) - B(cold.start),
			   st.cold_start_ns);
	});
}

function checkRecords(byTrace) {
	const roots = [...byTrace.values()].map((l) =>
		[l.find((s) => !s.parentSpanId), l]).filter(([r]) => r);
	const take = (name, match) => {
		const i = roots.findIndex(([r]) => r.name === name && match(r));
		return i < 0 ? null : roots.splice(i, 1)[0];
	};
	for (const r of kinds.container) {
		if (!containerSpans(r))
			continue;
		const first = Object.values(r.phases).map((p) => B(p.start_ns))
			.reduce((a, b) => (b < a ? b : a));
		const t = take('container', (x) => x.attrs['container.id'] === r.id &&
			       B(x.start) === first);
		if (!t)
			fail(`container ${r.id}: no trace`);
		else
			checkContainer(r, t[0], t[1].filter((s) => s !== t[0]));
	}
	for (const p of kinds.pull) {
		if (!pullSpans(p))
			continue;
		const t = take('pull', (x) => x.start === p.start_ns);
		if (!t)
			fail(`pull ${p.image}: no trace`);
		else
			checkPull(p, t[0], t[1]);
	}
	for (const c of kinds.chain) {
		const t = take('chain', (x) => x.start === c.start_ns);
		if (!t)
			fail(`chain of ${c.runner.pid}: no trace`);
		else
			checkChain(c, t[0], t[1]);
	}
	if (roots.length)
		fail(`${roots.length} traces match no record`);
}

function checkSummary() {
	const o = summary.otlp;
	if (!o)
		return fail('the summary line has no "otlp"');
	eq('summary spans_sent', o.spans_sent, spans.length);
	eq('summary requests', o.requests, answers[200] || 0);
	eq('summary spans_queued', o.spans_queued, 0);
	for (const [k, v] of Object.entries(o.spans_dropped))
		eq(`summary dropped ${k}`, v, 0);
}

if (strict) {
	if (spans.length !== expected)
		fail(`${spans.length} spans received, the records make ${expected}`);
	checkResource();
	checkKeys();
	checkRecords(checkIds());
	checkSummary();
}
console.log(JSON.stringify({
	expected, received: spans.length, requests: requests.length, answers,
	gaps_ms: gaps, records: { containers: kinds.container.length,
				  pulls: kinds.pull.length,
				  chains: kinds.chain.length },
	summary: summary.otlp || null, errors: errors.slice(0, 20),
}));
process.exit(errors.length ? 1 : 0);
