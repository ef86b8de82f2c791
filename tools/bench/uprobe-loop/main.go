// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause

// tools/bench/uprobe-cost's loop: calls tick N times and prints the sum
// and the loop's own time in ns.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

//go:noinline
func tick(i int) int { return i*3 + 1 }

func main() {
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "usage: loop N")
		os.Exit(2)
	}
	t0 := time.Now()
	s := 0
	for i := 0; i < n; i++ {
		s += tick(i)
	}
	fmt.Println(s, time.Since(t0).Nanoseconds())
}
