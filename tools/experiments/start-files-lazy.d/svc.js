// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
//
// The Node.js service of tools/experiments/start-files-lazy --app node:
// require()s the npm packages of tools/experiments/libload (a web
// framework and three libraries, ~1,000 files), as a service's start
// does, then listens on 127.0.0.1:PORT, answers one connection with
// "ok\n" and exits.
//
//   node svc.js PORT
"use strict";

require("express");
require("lodash");
require("rxjs");
require("date-fns");
const net = require("net");

const port = Number(process.argv[2]);
const srv = net.createServer((c) => {
	c.end("ok\n", () => srv.close());
});
srv.listen(port, "127.0.0.1");
