// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
//
// The Node.js service of tools/experiments/restore-vs-cold --app node,
// as beat.py is the Python one: requires what start-files-lazy.d/svc.js
// requires (express, lodash, rxjs, date-fns: 658 modules), listens on
// 127.0.0.1:PORT inside its network namespace (coldtrace's ready), then
// every 10 ms writes its wall clock (ns) into DIR/beat, a new file each
// time, renamed into place.  The wall clock is Date.now()'s, to the
// millisecond, read at each beat: not a start time plus the monotonic
// clock since, which a restored process does not carry across (its
// beats were 29 ms after the restore's command, before Podman could
// have run it).
//
//   node beat.js PORT DIR
"use strict";

require("express");
require("lodash");
require("rxjs");
require("date-fns");
const fs = require("fs");
const net = require("net");
const path = require("path");

const [port, dir] = [Number(process.argv[2]), process.argv[3]];
const tmp = path.join(dir, ".beat");
const beat = path.join(dir, "beat");

net.createServer().listen(port, "127.0.0.1", () => {
	setInterval(() => {
		fs.writeFileSync(tmp, `${BigInt(Date.now()) * 1000000n}\n`);
		fs.renameSync(tmp, beat);
	}, 10);
});
