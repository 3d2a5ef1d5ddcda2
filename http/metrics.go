package http

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"verity/migrations/database"
	"verity/provenance/audit"
)

// Metrics are what /metrics shows, in the Prometheus text format: requests per route, the
// group commits of the writer, the audit chain's head, and the Go runtime and process. They
// live in the registry they are built with, never a package-level one; main builds them
// before it opens the database, so that ObserveBatch can be given to
// database.WithBatchObserver, and passes them to NewServer.
type Metrics struct {
	registry *prometheus.Registry

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec

	batchWrites   prometheus.Histogram
	batchBytes    prometheus.Histogram
	commitSeconds prometheus.Histogram
	writesFailed  prometheus.Counter
	writesSkipped prometheus.Counter
	batchesFailed prometheus.Counter
}

// NewMetrics registers Verity's collectors, and the Go runtime's and the process's, in reg.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		registry: reg,
		// The route is Gin's pattern (/api/v1/claims/:id), never the path a client sent, and
		// the method one of a fixed set, so that no client can grow the label sets.
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "verity_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "verity_http_request_duration_seconds",
			Help:    "Time from a request reaching the router until its handler returned, by method and route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"method", "route"}),
		batchWrites: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "verity_write_batch_writes",
			Help:    "Write functions per group commit, committed or rolled back alone.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
		}),
		batchBytes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "verity_write_batch_bytes",
			Help:    "Bytes of SQL the write functions of one group commit sent.",
			Buckets: prometheus.ExponentialBuckets(256, 4, 9), // 256 B … 16 MiB
		}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "verity_write_commit_seconds",
			Help:    "Time the COMMIT of one group commit took (with --sync full, mostly the fsync of the log).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		writesFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "verity_writes_rolled_back_total",
			Help: "Write functions rolled back to their savepoint (an error, a panic, or their request's end).",
		}),
		writesSkipped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "verity_writes_skipped_total",
			Help: "Writes whose functions never ran: their request ended first, or their batch could not begin.",
		}),
		batchesFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "verity_write_batches_failed_total",
			Help: "Group commits that did not commit; every write in them failed.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.batchWrites, m.batchBytes, m.commitSeconds,
		m.writesFailed, m.writesSkipped, m.batchesFailed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveBatch records one group commit; it is the observer for database.WithBatchObserver,
// quick and without database calls.
func (m *Metrics) ObserveBatch(s database.BatchStats) {
	m.batchWrites.Observe(float64(s.Writes))
	m.batchBytes.Observe(float64(s.Bytes))
	m.writesFailed.Add(float64(s.Failed))
	m.writesSkipped.Add(float64(s.Skipped))
	if s.Err != nil {
		m.batchesFailed.Inc()
		return
	}
	m.commitSeconds.Observe(s.Commit.Seconds())
}

// watch adds the gauges read from the database at each scrape: the audit head and the writes
// waiting for the writer. One Metrics serves one server.
func (m *Metrics) watch(db *database.DB) {
	m.registry.MustRegister(
		auditHeadCollector{db: db, desc: prometheus.NewDesc("verity_audit_head_seq",
			"Sequence number of the newest event in the audit chain.", nil, nil)},
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "verity_writes_waiting",
			Help: "Write functions queued for the writer, not yet in a batch.",
		}, func() float64 { return float64(db.WritesWaiting()) }),
	)
}

// auditHeadCollector reads the audit chain's head when scraped; a scrape that cannot read it
// reports the error for this metric alone and serves the others.
type auditHeadCollector struct {
	db   *database.DB
	desc *prometheus.Desc
}

func (c auditHeadCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c auditHeadCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeReadTimeout)
	defer cancel()
	seq, _, err := audit.Head(ctx, c.db.Reader())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(seq))
}

// scrapeReadTimeout bounds what a scrape reads from the database.
const scrapeReadTimeout = 5 * time.Second

// observeRequests counts every request the engine routes and times it, by route pattern.
// It comes first in the chain, so that a panic's 500 and a refused token are counted too.
func (m *Metrics) observeRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	method := knownMethod(c.Request.Method)
	m.requests.WithLabelValues(method, route, strconv.Itoa(c.Writer.Status())).Inc()
	m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
}

// knownMethod returns the method as a label: one of RFC 9110's, or "other" for whatever a
// client made up.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// handler serves the registry in the Prometheus exposition formats; a collector that fails
// is logged and left out, and the others are served.
func (m *Metrics) handler(logger *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// scrape is GET /metrics on the main address, for auditors and admins: request counts per
// route say what the desk works on, which is not for every viewer.
func (s *Server) scrape(c *gin.Context) error {
	s.metricsHandler.ServeHTTP(c.Writer, c.Request)
	return nil
}

// ServeMetrics answers GET /metrics, and nothing else, on ln without a token until ctx is
// done: for --metrics-addr, a listen address that only the operator's scraper reaches.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	return serveUntil(ctx, srv, ln, 5*time.Second, s.logger)
}
