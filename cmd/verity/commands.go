package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/user"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"verity/claims"
	"verity/claims/identity"
	"verity/http"
	"verity/http/export"
	"verity/migrations"
	"verity/migrations/database"
	"verity/provenance"
	"verity/provenance/audit"
	"verity/seeds"
)

const (
	defaultDB   = "verity.db"
	defaultAddr = "127.0.0.1:8080"
)

// app carries what every command shares: the streams, the environment and the --db flag.
type app struct {
	getenv env
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	dsn    string
	// started is set when a command's own work begins: cobra refused whatever failed before.
	started bool
}

// exitCodesHelp ends `verity --help`.
const exitCodesHelp = `
Exit status:
  0  success
  1  the command failed: a database it cannot open or that is missing, a user that does not
     exist, an audit chain that does not verify, …
  2  the command line is wrong (unknown command or flag, a bad or missing flag value, an
     argument where none is taken, a value Verity refuses such as a malformed email or one
     already in use); nothing was done`

func newRootCommand(ctx context.Context, getenv env, stdin io.Reader, stdout, stderr io.Writer) (*cobra.Command, *app) {
	a := &app{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "verity",
		Short: "Verity: fact-check and source-provenance tracker",
		Long: "Verity tracks every factual claim of a published article, the sources it cites, the\n" +
			"evidence reviewers attach and the verdicts editors sign off, in a tamper-evident audit trail.\n" +
			"\n" +
			"The command line acts with the database's full access and is audited as cli:USER@HOST.\n" +
			exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetIn(stdin)
	root.PersistentFlags().StringVar(&a.dsn, "db", envOr(getenv, "VERITY_DB", defaultDB),
		"database: a SQLite file path or a postgres:// URL (env VERITY_DB)")
	root.AddCommand(a.serveCommand(), a.migrateCommand(), a.seedCommand(), a.userCommand(), a.tokenCommand(), a.auditCommand(), a.exportCommand())
	a.markStarts(root)
	root.SetContext(ctx)
	return root, a
}

// markStarts records, for run, when a command's own work begins.
func (a *app) markStarts(c *cobra.Command) {
	if work := c.RunE; work != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			a.started = true
			return work(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		a.markStarts(sub)
	}
}

// group returns a command that only holds subcommands: without one it shows its help, and an
// unknown one is a usage error rather than help and success.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use: use, Short: short, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(subs...)
	return cmd
}

// operator is the person at the command line as the audit trail names them: their
// operating-system user and host. The CLI works with the database's full access, so it can
// do what no API token can, but never unseen.
func (a *app) operator() identity.Actor {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return identity.Operator(name + "@" + host)
}

func envOr(getenv env, name, fallback string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return fallback
}

// open opens and migrates the database, creating it if it is not there: for the commands
// that set a database up (serve, seed).
func (a *app) open(ctx context.Context, opts ...database.Option) (*database.DB, error) {
	db, err := database.Open(ctx, a.dsn, opts...)
	if err != nil {
		return nil, err
	}
	applied, err := a.migrate(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, name := range applied {
		fmt.Fprintf(a.stderr, "applied migration %s\n", name)
	}
	return db, nil
}

// migrate applies the pending migrations and records each in the audit trail as the
// operator's: a migration may change stored data (one moved pending proposals out of claims'
// status), and nothing the command line changes goes unrecorded.
func (a *app) migrate(ctx context.Context, db *database.DB) ([]string, error) {
	applied, err := migrations.Apply(ctx, db.Bun())
	if err != nil || len(applied) == 0 {
		return applied, err
	}
	operator := a.operator()
	err = db.Write(ctx, func(ctx context.Context, tx *database.Tx) error {
		for _, name := range applied {
			if _, err := audit.Append(ctx, tx, audit.Record{
				Actor: operator.Audit(), Action: "schema.migrate", EntityType: "migration", EntityID: name,
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record the migrations in the audit trail: %w", err)
	}
	return applied, nil
}

// openExisting opens the database for a command that reads it or acts on what is in it: one
// that is not there is an error, not a new empty file, and so is one whose schema is not
// current (the command does not change it).
func (a *app) openExisting(ctx context.Context) (*database.DB, error) {
	db, err := a.openFile(ctx)
	if err != nil {
		return nil, err
	}
	status, err := migrations.Status(ctx, db.Bun())
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, m := range status {
		if !m.Applied {
			db.Close()
			return nil, fmt.Errorf("the database %s is not migrated (%s is pending); run verity migrate first", database.Redact(a.dsn), m.Name)
		}
	}
	return db, nil
}

// openFile opens the database without migrating it, refusing one that is not there.
func (a *app) openFile(ctx context.Context) (*database.DB, error) {
	db, err := database.Open(ctx, a.dsn, database.MustExist())
	if errors.Is(err, database.ErrNoDatabase) {
		return nil, fmt.Errorf("%w (run verity migrate or verity serve first)", err)
	}
	return db, err
}

func (a *app) serveCommand() *cobra.Command {
	var addr, metricsAddr, adminEmail, publicURL, publisherName, publisherURL, syncLevel, pprofAddr, memoryLimit string
	var maxUpload int64
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server (migrates, and seeds an empty database, first)",
		Long: "serve applies pending migrations; on a database without articles it loads the seed\n" +
			"article, and on one without users it creates an admin and prints its password once.\n" +
			"It then serves the JSON API until SIGINT or SIGTERM, and finishes requests in flight\n" +
			"before it exits.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if maxUpload <= 0 {
				return usagef("--max-upload-bytes must be a positive number of bytes, not %d", maxUpload)
			}
			durability, err := database.ParseSync(syncLevel)
			if err != nil {
				return usagef("--sync: %v", err)
			}
			if pprofAddr != "" {
				if err := checkPprofAddr(pprofAddr); err != nil {
					return usagef("%v", err)
				}
			}
			publisher, err := export.NewPublisher(publisherName, publisherURL, publicURL)
			if err != nil {
				return usagef("%v", err)
			}
			limit, set, err := servingMemoryLimit(cmd.Flags().Changed("memory-limit"), memoryLimit, a.getenv)
			if err != nil {
				return usagef("%v", err)
			}
			if set {
				defer limitMemory(limit)()
			}
			logger := slog.New(slog.NewTextHandler(a.stderr, nil))
			// Listen before touching the database, so that a port in use fails fast and plainly.
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("cannot listen on %s: %w", addr, err)
			}
			defer ln.Close()
			if pprofAddr != "" {
				pln, err := net.Listen("tcp", pprofAddr)
				if err != nil {
					return fmt.Errorf("cannot listen on %s for --pprof: %w", pprofAddr, err)
				}
				profiling, stopProfiling := context.WithCancel(ctx)
				defer stopProfiling()
				go servePprof(profiling, pln, logger)
				logger.Info("profiler", "url", "http://"+pln.Addr().String()+"/debug/pprof/")
			}
			var metricsLn net.Listener
			if metricsAddr != "" {
				if metricsLn, err = net.Listen("tcp", metricsAddr); err != nil {
					return fmt.Errorf("cannot listen on %s for metrics: %w", metricsAddr, err)
				}
				defer metricsLn.Close()
			}
			metrics := http.NewMetrics(prometheus.NewRegistry())
			db, err := a.open(ctx, database.WithSync(durability), database.WithBatchObserver(metrics.ObserveBatch))
			if err != nil {
				return err
			}
			defer db.Close()
			if err := a.seedIfEmpty(ctx, db); err != nil {
				return err
			}
			if err := a.bootstrapAdmin(ctx, db, adminEmail); err != nil {
				return err
			}
			// The planner's statistics, now and every minute; stopped before the database closes.
			optimizing, stopOptimizing := context.WithCancel(ctx)
			optimized := make(chan struct{})
			go func() {
				defer close(optimized)
				db.KeepOptimized(optimizing, database.OptimizeEvery, func(err error) { logger.Warn("optimize the database", "err", err) })
			}()
			defer func() { stopOptimizing(); <-optimized }()
			ps := provenance.NewStore(db)
			srv := http.NewServer(http.Deps{
				DB: db, Claims: ps.Claims(), Provenance: ps, Identity: identity.NewStore(db),
				Logger: logger, MaxUploadBytes: maxUpload, PublicURL: publisher.PublicURL, Publisher: publisher,
				Metrics: metrics,
			})
			logger.Info("listening", "url", "http://"+ln.Addr().String(), "db", database.Redact(a.dsn))
			fmt.Fprintf(a.stdout, "Verity is listening on http://%s\n", ln.Addr())
			if metricsLn == nil {
				return srv.Serve(ctx, ln)
			}
			fmt.Fprintf(a.stdout, "Metrics are served on http://%s/metrics\n", metricsLn.Addr())
			// Either server failing stops both.
			ctx, stop := context.WithCancel(ctx)
			defer stop()
			metricsDone := make(chan error, 1)
			go func() {
				metricsDone <- srv.ServeMetrics(ctx, metricsLn)
				stop()
			}()
			err = srv.Serve(ctx, ln)
			stop()
			return errors.Join(err, <-metricsDone)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", envOr(a.getenv, "VERITY_ADDR", defaultAddr), "address to listen on (env VERITY_ADDR)")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", envOr(a.getenv, "VERITY_METRICS_ADDR", ""),
		"also serve GET /metrics, without a token, on this address, for a scraper only the operator\nreaches (env VERITY_METRICS_ADDR); on --addr it needs an auditor's or admin's token")
	cmd.Flags().StringVar(&adminEmail, "admin-email", envOr(a.getenv, "VERITY_ADMIN_EMAIL", "admin@verity.local"),
		"email of the admin created on a database without users (env VERITY_ADMIN_EMAIL)")
	cmd.Flags().StringVar(&syncLevel, "sync", envOr(a.getenv, "VERITY_SYNC", string(database.SyncFull)),
		"SQLite durability: full (an acknowledged write survives a power cut) or normal (it survives a crash\nof the server, but the last writes may be lost in a power cut) (env VERITY_SYNC)")
	cmd.Flags().StringVar(&pprofAddr, "pprof", "",
		"serve net/http/pprof's profiles at http://ADDR/debug/pprof/, on a loopback address only (e.g. 127.0.0.1:6060)")
	cmd.Flags().Int64Var(&maxUpload, "max-upload-bytes", http.DefaultMaxUploadBytes, "largest evidence attachment accepted")
	cmd.Flags().StringVar(&memoryLimit, "memory-limit", envOr(a.getenv, "VERITY_MEMORY_LIMIT", fmt.Sprintf("%dMiB", defaultMemoryLimit>>20)),
		"soft limit on the Go runtime's memory (e.g. 80MiB, 1GiB, off): the collector works harder near it;\nSQLite's caches come on top (env VERITY_MEMORY_LIMIT; GOMEMLIMIT stands when neither is given)")
	cmd.Flags().StringVar(&publicURL, "public-url", envOr(a.getenv, "VERITY_PUBLIC_URL", ""),
		"where readers reach Verity's public pages, the base of published links: a ClaimReview's url is\n<public-url>/claims/{id}; ClaimReview is not served without it (env VERITY_PUBLIC_URL)")
	cmd.Flags().StringVar(&publisherName, "publisher-name", envOr(a.getenv, "VERITY_PUBLISHER_NAME", ""),
		"the organisation that publishes the fact checks, a ClaimReview's author; ClaimReview is not\nserved without it (env VERITY_PUBLISHER_NAME)")
	cmd.Flags().StringVar(&publisherURL, "publisher-url", envOr(a.getenv, "VERITY_PUBLISHER_URL", ""),
		"the publishing organisation's home page (default: --public-url) (env VERITY_PUBLISHER_URL)")
	return cmd
}

// seedIfEmpty loads the seed article into a database that has no article yet.
func (a *app) seedIfEmpty(ctx context.Context, db *database.DB) error {
	list, _, err := claims.NewStore(db).FindArticles(ctx, claims.ArticleFilter{Limit: 1})
	if err != nil {
		return err
	}
	if len(list) > 0 {
		return nil
	}
	r, err := seeds.Load(ctx, db, a.operator())
	if err != nil {
		return fmt.Errorf("load seeds: %w", err)
	}
	fmt.Fprintf(a.stderr, "loaded the seed article (id %d): %d claims, %d sources, %d citations, %d derivations\n",
		r.ArticleID, r.Claims, r.Sources, r.Citations, r.Derivations)
	return nil
}

func (a *app) migrateCommand() *cobra.Command {
	var status bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending schema migrations, or show their status",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			// --status only reads, so it must not create the database it reports on.
			open := a.openFile
			if !status {
				open = func(ctx context.Context) (*database.DB, error) { return database.Open(ctx, a.dsn) }
			}
			db, err := open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if status {
				list, err := migrations.Status(ctx, db.Bun())
				if err != nil {
					return err
				}
				for _, m := range list {
					state := "pending"
					if m.Applied {
						state = "applied"
					}
					fmt.Fprintf(a.stdout, "%-8s %s\n", state, m.Name)
				}
				return nil
			}
			applied, err := a.migrate(ctx, db)
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintln(a.stdout, "schema is up to date")
			}
			for _, name := range applied {
				fmt.Fprintf(a.stdout, "applied %s\n", name)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&status, "status", false, "list migrations and whether each is applied, change nothing")
	return cmd
}

func (a *app) seedCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "seed",
		Short: "Load the seed article with its claims, sources and citations (idempotent)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			r, err := seeds.Load(ctx, db, a.operator())
			if err != nil {
				return err
			}
			if r.AlreadyLoaded {
				fmt.Fprintf(a.stdout, "the seed article is already loaded (id %d); nothing changed\n", r.ArticleID)
				return nil
			}
			fmt.Fprintf(a.stdout, "loaded the seed article (id %d): %d claims, %d sources, %d citations, %d derivations\n",
				r.ArticleID, r.Claims, r.Sources, r.Citations, r.Derivations)
			return nil
		},
	}
}
