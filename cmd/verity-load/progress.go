package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal, where a progress line that rewrites itself
// makes sense; in a file or a pipe it would be noise.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// showProgress rewrites one line on the progress writer with line() four times a second,
// until the returned stop is called, which clears it. Without a progress writer it does
// nothing.
func (l *load) showProgress(line func() string) (stop func()) {
	if l.progress == nil {
		return func() {}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprint(l.progress, "\r\x1b[K")
				return
			case <-t.C:
				fmt.Fprintf(l.progress, "\r\x1b[K%s", line())
			}
		}
	}()
	stopped := false
	return func() {
		if !stopped {
			stopped = true
			close(quit)
			<-done
		}
	}
}

// since is the time elapsed since t, to a tenth of a second.
func since(t time.Time) string {
	return fmt.Sprintf("%.1fs", time.Since(t).Seconds())
}
