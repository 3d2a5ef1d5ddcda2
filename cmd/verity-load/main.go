// Command verity-load drives a running `verity serve` on loopback through its public JSON
// API for load figures: it seeds a realistic corpus (articles, claims quoting their passages,
// sources with derivations, citations), then runs workloads (create-claim, review,
// get-claim, list, search, export) with concurrent keep-alive clients and reports
// throughput, latency percentiles, errors by status, the server's peak memory and the
// database's size. main only wires: it makes a signal context and calls run.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "verity-load:", err)
		os.Exit(1)
	}
}
