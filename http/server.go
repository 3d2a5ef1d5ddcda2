package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"
	"github.com/prometheus/client_golang/prometheus"

	"verity/claims"
	"verity/claims/fault"
	"verity/claims/identity"
	"verity/http/export"
	"verity/http/web"
	"verity/migrations/database"
	"verity/provenance"
)

// Server serves Verity over HTTP. Build it with NewServer; it holds no global state.
type Server struct {
	db         *database.DB
	claims     *claims.Store
	provenance *provenance.Store
	identity   *identity.Store
	logger     *slog.Logger
	books      *bookkeeping
	validate   *validator.Validate
	engine     *gin.Engine
	maxUpload  int64
	timeout    time.Duration
	// streams are the routes (Gin patterns) whose answers stream for as long as they have
	// rows: routes.go declares them, and bound gives them no overall deadline.
	streams    map[string]bool
	publicURL  string
	publishing export.Publisher
	openAPIDoc openAPIDocument
	// pages renders the reviewer pages; logins limits failed sign-ins; sessionPolicy bounds
	// how long a sign-in lasts.
	pages         *web.Renderer
	logins        *loginLimiter
	sessionPolicy identity.SessionPolicy
	// handler is the engine behind the cross-origin check that refuses forged form posts.
	handler http.Handler
	// metrics counts requests and group commits; metricsHandler serves them.
	metrics        *Metrics
	metricsHandler http.Handler
	// buffers hold encoded answers between requests (claimPageJSON, claimDetailJSON).
	buffers sync.Pool
}

// Deps are what the server is built from; main wires them.
type Deps struct {
	DB         *database.DB
	Claims     *claims.Store
	Provenance *provenance.Store
	Identity   *identity.Store
	Logger     *slog.Logger
	// MaxUploadBytes bounds an evidence attachment; zero means DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// PublicURL is where readers reach Verity (https://factcheck.example.org), for links
	// meant to be published, such as a ClaimReview's url. Without it nothing is published
	// (ClaimReview answers 503): links never come from the request's Host header.
	PublicURL string
	// SessionPolicy bounds web sessions; zero means identity.DefaultSessionPolicy.
	SessionPolicy identity.SessionPolicy
	// LoginLimits bound failed sign-ins; zero means DefaultLoginLimits.
	LoginLimits LoginLimits
	// Publisher is the organisation that publishes the fact checks, the ClaimReview's
	// author; its PublicURL is PublicURL's. Without a name nothing is published.
	Publisher export.Publisher
	// RequestTimeout bounds the work of one request; zero means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Metrics are what /metrics serves; nil means a registry of the server's own, without
	// the group commits (those need NewMetrics's observer given to database.Open).
	Metrics *Metrics
}

// DefaultRequestTimeout bounds the work of one request. It stays well inside the server's
// WriteTimeout, so that a write still running when it expires is rolled back while the
// client can still be told, instead of committing after the client was cut off.
const DefaultRequestTimeout = 60 * time.Second

// DefaultMaxUploadBytes bounds an evidence attachment unless configured otherwise.
const DefaultMaxUploadBytes = 20 << 20

// NewServer builds the Gin engine with every route.
func NewServer(d Deps) *Server {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{
		db:         d.DB,
		claims:     d.Claims,
		provenance: d.Provenance,
		identity:   d.Identity,
		logger:     d.Logger,
		books:      newBookkeeping(d.Logger),
		maxUpload:  d.MaxUploadBytes,
		timeout:    d.RequestTimeout,
		publicURL:  strings.TrimSuffix(d.PublicURL, "/"),
		publishing: d.Publisher,
		validate:   newValidator(),
		pages:      newRenderer(),
	}
	s.sessionPolicy = d.SessionPolicy
	if s.sessionPolicy == (identity.SessionPolicy{}) {
		s.sessionPolicy = identity.DefaultSessionPolicy()
	}
	limits := d.LoginLimits
	if limits == (LoginLimits{}) {
		limits = DefaultLoginLimits()
	}
	s.logins = newLoginLimiter(limits, time.Now)
	s.metrics = d.Metrics
	if s.metrics == nil {
		s.metrics = NewMetrics(prometheus.NewRegistry())
	}
	s.metrics.watch(d.DB)
	s.metricsHandler = s.metrics.handler(d.Logger)
	e := gin.New()
	// Verity is reached directly or through a proxy the operator configures later; until
	// then no forwarded header is believed.
	if err := e.SetTrustedProxies(nil); err != nil {
		panic(err) // nil is always accepted
	}
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.Use(s.metrics.observeRequests, s.recoverPanics, s.requestID, s.logRequests, s.bound, s.authenticate)
	e.NoRoute(func(c *gin.Context) {
		s.writeError(c, fault.New(fault.NotFound, "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	e.NoMethod(func(c *gin.Context) {
		s.writeError(c, fault.New(kindMethodNotAllowed, "%s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
	})
	if s.maxUpload <= 0 {
		s.maxUpload = DefaultMaxUploadBytes
	}
	s.openAPIDoc = loadOpenAPI(openAPISource, s.publicURL)
	s.publishing.PublicURL = s.publicURL
	if s.publishing.URL == "" {
		s.publishing.URL = s.publicURL
	}
	if s.timeout <= 0 {
		s.timeout = DefaultRequestTimeout
	}
	s.engine = e
	s.streams = map[string]bool{}
	s.routes()
	s.handler = s.crossOriginProtection(e)
	return s
}

// Handler returns the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.writeError(c, fault.Wrap(fault.Internal, fmt.Errorf("panic: %v", v), "internal error"))
		}
	}()
	c.Next()
}

func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	level := slog.LevelInfo
	if c.Writer.Status() >= 500 {
		level = slog.LevelError
	}
	s.logger.LogAttrs(c.Request.Context(), level, "request",
		slog.String("request_id", requestIDOf(c)),
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()),
		slog.Int("bytes", c.Writer.Size()),
		slog.Duration("duration", time.Since(start)),
		slog.String("remote", c.ClientIP()),
	)
}

// Serve answers requests on ln until ctx is done, then stops taking new connections and
// waits up to shutdownGrace for requests in flight.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	defer s.books.wait() // the last uses are recorded before the database closes
	return serveUntil(ctx, srv, ln, shutdownGrace, s.logger)
}

// serveUntil answers requests with srv on ln until ctx is done, then stops taking new
// connections and waits up to grace for requests in flight.
func serveUntil(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "addr", ln.Addr().String(), "grace", grace)
	shutCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

const shutdownGrace = 15 * time.Second

// bound gives the request's work a deadline: the database calls below watch the context, so
// a write that cannot finish in time rolls back rather than committing for a client that
// has been told it failed.
func (s *Server) bound(c *gin.Context) {
	if s.streams[c.FullPath()] {
		// An export streams for as long as it has rows and the client reads them (see
		// streamCSV); its client going away still cancels it.
		c.Next()
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.timeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// requestID names each request with a random id, sent back as X-Request-ID and logged with
// the request and any error, so that a reader who reports a failure can point at its log
// lines without seeing them.
func (s *Server) requestID(c *gin.Context) {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on Linux
	id := hex.EncodeToString(b[:])
	c.Set(requestIDKey, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

const requestIDKey = "verity.request_id"

func requestIDOf(c *gin.Context) string { return c.GetString(requestIDKey) }
