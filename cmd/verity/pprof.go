package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	nethttp "net/http"
	"net/http/pprof"
	"time"
)

// checkPprofAddr accepts host:port with a loopback host only: the profiles show memory and
// the command line, and a CPU profile costs the server while it runs, so they are never
// served beyond the machine.
func checkPprofAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--pprof %q: %v; give host:port on loopback, such as 127.0.0.1:6060", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--pprof %q: the profiler listens on a loopback address only (127.0.0.1, ::1 or localhost), not %q", addr, host)
	}
	return nil
}

// pprofHandler serves net/http/pprof's pages on a mux of its own, not on the default mux,
// so that nothing else can reach them.
func pprofHandler() nethttp.Handler {
	mux := nethttp.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// servePprof serves the profiler on ln until ctx ends.
func servePprof(ctx context.Context, ln net.Listener, logger *slog.Logger) {
	srv := &nethttp.Server{Handler: pprofHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, nethttp.ErrServerClosed) {
		logger.Warn("pprof server", "err", err)
	}
}
