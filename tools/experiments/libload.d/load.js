// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
//
// Run inside each container by tools/experiments/libload: require() the
// modules named on the command line and print, as one JSON line, the
// module-load wall time measured in here (process.hrtime around the
// requires, so container start-up and node's own boot are left out),
// per module and in total, and how many files the module loader read.
"use strict";

const mods = process.argv.slice(2);
if (mods.length === 0) {
	console.error("usage: node load.js MODULE...");
	process.exit(2);
}
const per = {};
const t0 = process.hrtime.bigint();
for (const m of mods) {
	const a = process.hrtime.bigint();
	require(m);
	per[m] = Number(process.hrtime.bigint() - a);
}
const total = Number(process.hrtime.bigint() - t0);
console.log(JSON.stringify({
	load_ns: total,
	modules: per,
	files: Object.keys(require.cache).length,
}));
