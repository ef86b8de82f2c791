// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause

//go:build cgo

package main

/*
static int ct_twice(int x) { return 2 * x; }
*/
import "C"

func twice(x int) int { return int(C.ct_twice(C.int(x))) }
