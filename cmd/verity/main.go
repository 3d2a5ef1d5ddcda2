// Command verity is Verity's one binary: the server and the operator's tools (serve, migrate,
// seed, …) as subcommands. main only wires: it makes a signal context, calls run, and turns
// run's error into a message and an exit status.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "verity:", err)
		os.Exit(exitCode(err))
	}
}

// env reads configuration from the environment; tests pass their own.
type env func(string) string

// The exit statuses, documented in `verity --help` and the README.
const (
	// exitFailure: the command ran and failed (a database it cannot open, a chain that does
	// not verify, a user that does not exist, …).
	exitFailure = 1
	// exitUsage: the command line itself is wrong, and nothing was done.
	exitUsage = 2
)

// usageError is a command line that is wrong in itself: an unknown command or flag, a bad or
// missing flag value (including one the domain refuses as invalid), an argument where none
// is taken. Nothing was done.
type usageError struct {
	err error
	// command is the command whose usage was wrong, for the hint that follows the message.
	command string
}

func (e *usageError) Error() string {
	return fmt.Sprintf("%v\nRun '%s --help' for usage.", e.err, e.command)
}

func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usage error of the command running; run fills in which command it was.
func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// exitCode is the exit status for an error run returned.
func exitCode(err error) int {
	if _, ok := errors.AsType[*usageError](err); ok {
		return exitUsage
	}
	return exitFailure
}

// run executes one command line and returns what went wrong, a *usageError when the command
// line itself was wrong. It never calls os.Exit, so tests drive it directly.
func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	root, a := newRootCommand(ctx, getenv, stdin, stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return nil
	}
	// Cobra checks commands, flags, flag values and arguments before a command starts: an
	// error before any command started is the command line's.
	u, ok := errors.AsType[*usageError](err)
	if !ok && !a.started {
		u, ok = &usageError{err: err}, true
	}
	if ok {
		if u.command == "" {
			u.command = cmd.CommandPath()
		}
		return u
	}
	return err
}
