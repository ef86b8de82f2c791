// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause

//go:build !cgo

package main

func twice(x int) int { return 2 * x }
