// Command verity is Verity's one binary: the server and the operator's tools (serve, migrate,
// seed, …) as subcommands. main only wires: it makes a signal context and calls run.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "verity:", err)
		os.Exit(1)
	}
}

// env reads configuration from the environment; tests pass their own.
type env func(string) string

// run executes one command line. It never calls os.Exit, so tests drive it directly.
func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	root := newRootCommand(ctx, getenv, stdin, stdout, stderr)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}
