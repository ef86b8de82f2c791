// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause

// A Go program of the layouts the engines' binaries have (tests/gosym/):
// goroutines, a generic function, closures, and with cgo C code linked
// ahead of runtime.text.  With the argument "wait" it then parks
// goroutines on a channel and a mutex and sleeps, "ready" on its standard
// output, until a signal ends it (SIGQUIT: the runtime's traceback).
package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

type pair[T any] struct{ a, b T }

func swap[T any](p pair[T]) pair[T] { return pair[T]{p.b, p.a} }

func work(n int, wg *sync.WaitGroup, out chan<- int) {
	defer wg.Done()
	s := 0
	for i := 0; i < n; i++ {
		s += i * i
	}
	out <- s
}

func main() {
	var wg sync.WaitGroup
	out := make(chan int, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go work(1000*(i+1), &wg, out)
	}
	wg.Wait()
	close(out)
	t := 0
	for v := range out {
		t += v
	}
	fmt.Fprintln(os.Stderr, twice(t), swap(pair[int]{1, 2}))
	if len(os.Args) > 1 && os.Args[1] == "wait" {
		park()
	}
}

func onChannel(ch <-chan int) { <-ch }

func onMutex(mu *sync.Mutex) { mu.Lock() }

func park() {
	ch := make(chan int)
	var mu sync.Mutex
	mu.Lock()
	for i := 0; i < 2; i++ {
		go onChannel(ch)
		go onMutex(&mu)
	}
	time.Sleep(100 * time.Millisecond)
	fmt.Println("ready")
	time.Sleep(time.Hour)
}
