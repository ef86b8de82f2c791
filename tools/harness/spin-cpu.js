// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
// --why's truth: spin 200 ms, then print "CPU_US N", the CPU time the
// kernel accounted to this main thread (/proc/thread-self/stat's utime +
// stime, in USER_HZ = 100 ticks), the run phase's carrier.  Not
// process.cpuUsage(): it adds node's helper threads, which may run on
// another core beside the main one.  Given to `node -e`.
const t = Date.now(); while (Date.now() - t < 200) {}
const s = require("fs").readFileSync("/proc/thread-self/stat", "utf8");
const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
console.log("CPU_US " + (Number(f[11]) + Number(f[12])) * 10000);
