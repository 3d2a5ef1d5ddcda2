package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// config is the command line, checked.
type config struct {
	base         string // http://127.0.0.1:8080
	ip           net.IP
	port         int
	token        string
	signoffToken string
	articles     int
	sources      int
	clients      int
	duration     time.Duration
	requests     int
	workloads    map[string]bool
	exports      []string // the export workload's paths
	force        bool
	db           string
	serverPID    int
	json         bool
	maxFailures  float64
	timeout      time.Duration
	seed         uint64
	cpuProfile   string
}

const usage = `verity-load drives a running verity serve on loopback for load figures.

It seeds a corpus through the JSON API (users with tokens, sources with derivations,
articles with claims quoting their passages, citations), then runs each workload with
--clients concurrent keep-alive clients for --duration (or --requests operations):

  create-claim  POST a claim with 1-2 citations (inline if the server takes them)
  review        evidence + start, evidence + propose, sign-off or reject, reopen; If-Match
  get-claim     GET /api/v1/claims/{id} (detail with citations and evidence)
  list          GET /api/v1/claims?status=…&article_id=…&limit=50
  search        GET /api/v1/claims?q=` + SearchWord + ` (a word in about 40% of the claims)
  export        GET /exports/claims.csv and /exports/audit.csv (--exports), streamed (skipped on 404)

The token is an admin's: verity token create --email admin@verity.local
It exits 1 when more than --max-failures of the requests fail unexpectedly (no answer,
5xx, or a 4xx the workload does not handle).

Flags:
`

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("verity-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	addr := fs.String("addr", envOr(getenv, "VERITY_LOAD_ADDR", "127.0.0.1:8080"), "the server, on loopback only (env VERITY_LOAD_ADDR)")
	fs.StringVar(&c.token, "token", getenv("VERITY_LOAD_TOKEN"), "an admin's API token (env VERITY_LOAD_TOKEN)")
	fs.StringVar(&c.signoffToken, "signoff-token", getenv("VERITY_LOAD_SIGNOFF_TOKEN"),
		"an editor's token made with verity token create, to sign proposals off; without it they are rejected (env VERITY_LOAD_SIGNOFF_TOKEN)")
	fs.IntVar(&c.articles, "articles", 40, fmt.Sprintf("articles to seed, %d claims each", ClaimsPerArticle))
	fs.IntVar(&c.sources, "sources", 200, "sources to seed")
	fs.IntVar(&c.clients, "clients", 8, "concurrent clients, for seeding and for each workload")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "how long each workload runs")
	fs.IntVar(&c.requests, "requests", 0, "operations per workload instead of a duration (a claim with its citations is one)")
	workloads := fs.String("workloads", strings.Join(workloadNames(), ","), "the workloads to run, comma-separated")
	exports := fs.String("exports", strings.Join(exportNames(), ","), "the CSV exports the export workload streams, comma-separated, each client in turn")
	fs.BoolVar(&c.force, "force", false, "seed even when the database holds more than the seed article")
	fs.StringVar(&c.db, "db", "", "the server's SQLite file, to report its size on disk")
	fs.IntVar(&c.serverPID, "server-pid", 0, "the server's pid, when it cannot be found from the port")
	fs.BoolVar(&c.json, "json", false, "write the results as JSON on stdout; the report goes to stderr")
	fs.Float64Var(&c.maxFailures, "max-failures", 0.01, "the share of requests that may fail unexpectedly before the exit status is 1")
	fs.DurationVar(&c.timeout, "request-timeout", time.Minute, "the longest one request may take, a whole export included")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write the load command's own CPU profile over the workloads (not the seeding) to this file, for go tool pprof")
	seed := fs.Uint64("seed", 1, "seed of the generated corpus; the same seed makes the same articles")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q; see --help", fs.Arg(0))
	}
	c.seed = *seed
	var err error
	if c.base, c.ip, c.port, err = parseAddr(*addr); err != nil {
		return c, err
	}
	if c.token == "" {
		return c, errors.New("--token (or VERITY_LOAD_TOKEN) is required: an admin's token, made with `verity token create --email admin@verity.local`")
	}
	names, err := chosen("--workloads", "workload", *workloads, workloadNames())
	if err != nil {
		return c, err
	}
	c.workloads = map[string]bool{}
	for _, name := range names {
		c.workloads[name] = true
	}
	if names, err = chosen("--exports", "export", *exports, exportNames()); err != nil {
		return c, err
	}
	for _, name := range names {
		c.exports = append(c.exports, exportPath(name))
	}
	checks := []struct {
		ok  bool
		msg string
	}{
		{c.articles >= 1 && c.articles <= 40000, "--articles must be between 1 and 40,000 (a million claims)"},
		{c.sources >= 1 && c.sources <= 10000, "--sources must be between 1 and 10,000"},
		{c.clients >= 1 && c.clients <= 256, "--clients must be between 1 and 256"},
		{c.duration > 0 && c.duration <= time.Hour, "--duration must be more than 0 and at most 1h"},
		{c.requests >= 0 && c.requests <= 10_000_000, "--requests must be between 0 (use --duration) and 10,000,000"},
		{c.maxFailures >= 0 && c.maxFailures <= 1, "--max-failures is a share, between 0 and 1"},
		{c.timeout > 0 && c.timeout <= time.Hour, "--request-timeout must be more than 0 and at most 1h"},
		{c.serverPID >= 0, "--server-pid must be a pid"},
		{len(c.workloads) > 0, "--workloads names no workload"},
		{len(c.exports) > 0, "--exports names no export"},
	}
	for _, ch := range checks {
		if !ch.ok {
			return c, errors.New(ch.msg)
		}
	}
	return c, nil
}

// chosen reads the comma-separated list of flag, each a name among known, once each in the
// order given; what names one of them in the error.
func chosen(flag, what, list string, known []string) ([]string, error) {
	var names []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" || slices.Contains(names, name) {
			continue
		}
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("%s: unknown %s %q; the %ss are %s", flag, what, name, what, strings.Join(known, ", "))
		}
		names = append(names, name)
	}
	return names, nil
}

// parseAddr reads host:port (or http://host:port) and refuses anything but a loopback
// address: the run writes thousands of records, and must never do so to a server elsewhere.
func parseAddr(s string) (base string, ip net.IP, port int, err error) {
	hostPort := strings.TrimSuffix(strings.TrimPrefix(s, "http://"), "/")
	if strings.Contains(hostPort, "://") || strings.Contains(hostPort, "/") {
		return "", nil, 0, fmt.Errorf("--addr %q: give host:port of a server on loopback, such as 127.0.0.1:8080", s)
	}
	host, portText, err := net.SplitHostPort(hostPort)
	if err != nil {
		return "", nil, 0, fmt.Errorf("--addr %q: %v; give host:port, such as 127.0.0.1:8080", s, err)
	}
	ip = net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", nil, 0, fmt.Errorf("--addr %q: verity-load writes a lot and drives only a server on a loopback address "+
			"(127.0.0.1 or ::1), not %q", s, host)
	}
	port, err = strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return "", nil, 0, fmt.Errorf("--addr %q: bad port %q", s, portText)
	}
	return "http://" + net.JoinHostPort(ip.String(), portText), ip, port, nil
}

func envOr(getenv func(string) string, name, fallback string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return fallback
}

// invocation is the command line as the report prints it, tokens hidden.
func invocation(args []string) string {
	parts := []string{"verity-load"}
	hideNext := false
	for _, a := range args {
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		secret := strings.HasPrefix(a, "-") && (name == "token" || name == "signoff-token")
		switch {
		case hideNext:
			a, hideNext = "…", false
		case secret && hasValue:
			a = a[:strings.Index(a, "=")+1] + "…"
		case secret:
			hideNext = true
		}
		if strings.ContainsAny(a, " \t\"'$\\") {
			a = strconv.Quote(a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// load is one run against one server.
type load struct {
	cfg      config
	gen      *generator
	client   *client
	team     team
	corpus   corpus
	runID    string
	progress io.Writer // nil unless the report goes to a terminal

	mu    sync.Mutex
	notes []string

	review    []*claimState
	exports   []string
	nextSpare atomic.Int64
}

func (l *load) note(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !slices.Contains(l.notes, s) {
		l.notes = append(l.notes, s)
	}
}

func (l *load) recorders(lv *live) []*recorder {
	recs := make([]*recorder, l.cfg.clients)
	for i := range recs {
		recs[i] = newRecorder(lv)
	}
	return recs
}

// run executes one command line: check the server, seed, run the workloads, report. It
// never calls os.Exit, so tests drive it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	out := stdout
	if cfg.json {
		out = stderr
	}
	l := &load{cfg: cfg, gen: newGenerator(cfg.seed), client: newClient(cfg.base, cfg.clients, cfg.timeout), team: team{admin: cfg.token, signoff: cfg.signoffToken},
		runID: strconv.FormatInt(time.Now().UnixNano(), 36)}
	defer l.client.close()
	if isTerminal(out) {
		l.progress = out
	}
	rep := &report{Invocation: invocation(args), StartedAt: time.Now().UTC().Truncate(time.Second), Clients: cfg.clients,
		Server: serverReport{URL: cfg.base}}
	bound := cfg.duration.String() + " per workload"
	if cfg.requests > 0 {
		bound = number(cfg.requests) + " operations per workload"
	}
	fmt.Fprintln(out, rep.Invocation)
	fmt.Fprintf(out, "%s: %s, %d clients, %s; client %s on %d CPUs (shared with the server)\n\n",
		rep.StartedAt.Format(time.RFC3339), cfg.base, cfg.clients, bound, runtime.Version(), runtime.NumCPU())

	if err := l.checkServer(ctx); err != nil {
		return err
	}
	profile, err := createCPUProfile(cfg.cpuProfile)
	if err != nil {
		return err
	}
	defer profile.discard()
	mem := l.startMemory(&rep.Server)

	err = l.seed(ctx)
	c := &l.corpus
	rep.Corpus = &corpusReport{
		Articles: cfg.articles, Claims: len(c.claims), Sources: len(c.sourceIDs), Derivations: c.derivations,
		Citations: c.citations.Load(), InlineCitations: c.inline, Requests: c.rec.requests, Seconds: c.elapsed.Seconds(),
	}
	if err != nil {
		mem.finish(&rep.Server)
		return err
	}
	rep.Corpus.ClaimsPerSecond = float64(len(c.claims)) / c.elapsed.Seconds()
	rep.Corpus.RequestsPerSecond = float64(c.rec.requests) / c.elapsed.Seconds()
	printCorpus(out, rep.Corpus)

	printTableHeader(out)
	stopProfile, err := profile.start()
	if err != nil {
		mem.finish(&rep.Server)
		return err
	}
	var runErr error
	for _, wl := range l.workloads() {
		res, err := l.drive(ctx, wl)
		if err != nil {
			runErr = err
			break
		}
		rep.Workloads = append(rep.Workloads, res)
		printResult(out, res)
	}
	if err := stopProfile(); err != nil && runErr == nil {
		runErr = err
	}
	mem.finish(&rep.Server)
	if cfg.db != "" {
		rep.Database = databaseSize(cfg.db)
	}
	rep.Notes = l.notes
	printTail(out, rep)
	if cfg.json {
		if err := writeJSON(stdout, rep); err != nil {
			return err
		}
	}
	if runErr != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %w", runErr)
		}
		return runErr
	}
	var requests, failed int64
	for _, r := range rep.Workloads {
		requests += r.Requests
		failed += r.Unexpected
	}
	if requests > 0 && float64(failed) > cfg.maxFailures*float64(requests) {
		return fmt.Errorf("%s of %s requests failed unexpectedly (%.2f%%, more than --max-failures %.2f%%); the first failures are listed above",
			number(int(failed)), number(int(requests)), 100*float64(failed)/float64(requests), 100*cfg.maxFailures)
	}
	return nil
}

// memory samples the server's memory during the run, when its process can be found.
type memory struct{ s *sampler }

func (l *load) startMemory(srv *serverReport) memory {
	pid := l.cfg.serverPID
	if pid == 0 {
		var err error
		if pid, err = findListener("/proc", l.cfg.ip, l.cfg.port); err != nil {
			srv.MemoryNote = "not measured: " + err.Error()
			return memory{}
		}
	}
	srv.PID = pid
	return memory{s: startSampler("/proc", pid, 100*time.Millisecond)}
}

func (m memory) finish(srv *serverReport) {
	if m.s == nil {
		return
	}
	peak, hwm, n, err := m.s.finish()
	if err != nil {
		srv.MemoryNote = fmt.Sprintf("not measured: pid %d: %v", srv.PID, err)
		return
	}
	srv.PeakRSSBytes, srv.VmHWMBytes, srv.Samples = peak, hwm, n
}

// cpuProfile is the load command's own CPU profile (--cpuprofile), since it shares the
// machine's cores with the server: what it spends per request is taken from the server's
// figures. Its file is created before the run writes anything to the server, so that a path
// that cannot be written fails the run before the corpus is seeded.
// cpuProfile is --cpuprofile's file: written beside its path and renamed onto it when the
// profile is complete, so that a run that fails leaves no empty file and keeps the profile
// an earlier run wrote there.
type cpuProfile struct {
	path string
	f    *os.File
}

// createCPUProfile creates the profile's file; an empty path profiles nothing.
func createCPUProfile(path string) (*cpuProfile, error) {
	if path == "" {
		return &cpuProfile{}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return &cpuProfile{path: path, f: f}, nil
}

// discard removes a profile that was never completed; after stop it does nothing.
func (p *cpuProfile) discard() {
	if p.f != nil {
		p.f.Close()
		os.Remove(p.f.Name())
		p.f = nil
	}
}

// start profiles until the returned stop, which puts the profile at its path.
func (p *cpuProfile) start() (stop func() error, err error) {
	if p.f == nil {
		return func() error { return nil }, nil
	}
	if err := pprof.StartCPUProfile(p.f); err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		err := p.f.Close()
		if err == nil {
			err = os.Rename(p.f.Name(), p.path)
		}
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		p.f = nil
		return nil
	}, nil
}
