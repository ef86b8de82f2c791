// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
//
// An OTLP/HTTP trace receiver for tests/integration/otlp.sh, independent
// of coldtrace's encoder: each POST's body is decoded with the protobuf
// code OpenTelemetry JS generated from opentelemetry-proto
// (@opentelemetry/otlp-transformer 0.216.0's build/src/generated/root.js,
// made by protobufjs' pbjs from the official .proto files; the last
// release that ships the trace messages' decoders, later ones only
// encode).  A body it cannot decode is answered 400 and logged as such.
//
//   node otlp_receiver.js PORTFILE LOG MODE [ARG]
//
// Listens on 127.0.0.1, a port of the kernel's choosing (or OTLP_PORT)
// written to PORTFILE once listening; appends one JSON line per request to LOG
// (time, path, content type, the answer, the spans decoded).  MODE:
//   ok          200 to all
//   503         503 with Retry-After: ARG (seconds) to the first, then 200
//   400         400 to all
//   slow        200 to all, after ARG ms
//   partial     200 with an ExportTracePartialSuccess of ARG rejected spans
'use strict';

const fs = require('fs');
const http = require('http');
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');

const [portFile, logFile, mode, arg] = process.argv.slice(2);
const pb = root.opentelemetry.proto.collector.trace.v1;
let n = 0;

const hex = (b) => (b && b.length ? Buffer.from(b).toString('hex') : null);

// AnyValue: its oneof's value, arrays as arrays, int64 as strings.
function value(v) {
	if (!v || !v.value)
		return null;
	if (v.value === 'arrayValue')
		return (v.arrayValue.values || []).map(value);
	return v[v.value];
}

function attrs(list) {
	const out = {};
	for (const kv of list || [])
		out[kv.key] = value(kv.value);
	return out;
}

function decode(body) {
	const msg = pb.ExportTraceServiceRequest.decode(body);
	const o = pb.ExportTraceServiceRequest.toObject(msg,
		{ longs: String, oneofs: true });
	return (o.resourceSpans || []).map((rs) => ({
		resource: attrs(rs.resource && rs.resource.attributes),
		schemaUrl: rs.schemaUrl || null,
		scopes: (rs.scopeSpans || []).map((ss) => ({
			scope: ss.scope || null,
			schemaUrl: ss.schemaUrl || null,
			spans: (ss.spans || []).map((s) => ({
				traceId: hex(s.traceId),
				spanId: hex(s.spanId),
				parentSpanId: hex(s.parentSpanId),
				name: s.name,
				kind: s.kind,
				start: s.startTimeUnixNano,
				end: s.endTimeUnixNano,
				attrs: attrs(s.attributes),
				events: (s.events || []).map((e) => ({
					name: e.name,
					time: e.timeUnixNano,
					attrs: attrs(e.attributes),
				})),
				status: s.status || null,
			})),
		})),
	}));
}

function answer(res, status, headers, body) {
	res.writeHead(status, Object.assign({
		'Content-Type': 'application/x-protobuf',
		'Content-Length': body.length,
	}, headers));
	res.end(body);
}

function reply(res, nth) {
	const empty = Buffer.alloc(0);
	if (mode === '400')
		return answer(res, 400, {}, empty);
	if (mode === '503' && nth === 1)
		return answer(res, 503, { 'Retry-After': arg }, empty);
	if (mode === 'partial') {
		const body = pb.ExportTraceServiceResponse.encode({
			partialSuccess: { rejectedSpans: Number(arg),
					  errorMessage: 'test' },
		}).finish();
		return answer(res, 200, {}, Buffer.from(body));
	}
	if (mode === 'slow')
		return setTimeout(() => answer(res, 200, {}, empty), Number(arg));
	return answer(res, 200, {}, empty);
}

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		const nth = ++n;
		const rec = { n: nth, t_ms: Date.now(), method: req.method,
			      path: req.url,
			      ctype: req.headers['content-type'] || null };
		let status;
		try {
			rec.resourceSpans = decode(Buffer.concat(chunks));
			status = mode === '400' ? 400 :
				mode === '503' && nth === 1 ? 503 : 200;
		} catch (e) {
			rec.error = String(e);
			status = 400;
		}
		rec.status = status;
		fs.appendFileSync(logFile, JSON.stringify(rec) + '\n');
		if (rec.error)
			return answer(res, 400, {}, Buffer.alloc(0));
		reply(res, nth);
	});
});

// OTLP_PORT: a port chosen beforehand (a daemon started earlier exports
// there, tools/harness.sh CT_CONTAINERD_OTLP); unset: the kernel's choice.
server.listen(Number(process.env.OTLP_PORT || 0), '127.0.0.1', () => {
	fs.writeFileSync(portFile + '.tmp', String(server.address().port));
	fs.renameSync(portFile + '.tmp', portFile);
});
process.on('SIGTERM', () => process.exit(0));
