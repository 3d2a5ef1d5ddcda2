package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"verity/claims"
	"verity/claims/identity"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance"
	"verity/seeds"

	verityhttp "verity/http"
	"verity/http/export"
)

// env is a real server over a real SQLite file, with one user and token per role.
type env struct {
	t       testing.TB
	db      *database.DB
	handler http.Handler
	srv     *verityhttp.Server
	tokens  map[identity.Role]string
	users   map[identity.Role]*identity.User
	seed    seeds.Result
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t)
}

// newEnvWith is newEnv over a database opened with opts.
func newEnvWith(t testing.TB, opts ...database.Option) *env {
	t.Helper()
	db := dbtest.Open(t, opts...)
	ctx := context.Background()
	seed, err := seeds.Load(ctx, db, identity.System())
	if err != nil {
		t.Fatal(err)
	}
	ids := identity.NewStore(db)
	e := &env{t: t, db: db, tokens: map[identity.Role]string{}, users: map[identity.Role]*identity.User{}, seed: seed}
	for _, r := range identity.Roles() {
		u, err := ids.CreateUser(ctx, identity.System(), identity.NewUser{
			Email: string(r) + "@example.org", Name: "The " + string(r), Role: r, Password: "correct horse battery",
		})
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := ids.CreateToken(ctx, identity.System(), u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		e.users[r], e.tokens[r] = u, secret
	}
	srv := e.server(func(*verityhttp.Deps) {})
	e.handler, e.srv = srv.Handler(), srv
	return e
}

// Publishing settings of the test server.
const (
	testPublicURL = "https://factcheck.example.org"
	testPublisher = "Example Fact Check Desk"
)

// server builds a server over the env's database, configured as tests expect unless
// configure changes it.
func (e *env) server(configure func(*verityhttp.Deps)) *verityhttp.Server {
	d := verityhttp.Deps{
		DB: e.db, Claims: claims.NewStore(e.db), Provenance: provenance.NewStore(e.db), Identity: identity.NewStore(e.db),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxUploadBytes: 1 << 20,
		PublicURL: testPublicURL, Publisher: export.Publisher{Name: testPublisher},
	}
	configure(&d)
	return verityhttp.NewServer(d)
}

// addUser creates another user with a token, for tests that need two of a role.
func (e *env) addUser(role identity.Role, email string) (*identity.User, string) {
	e.t.Helper()
	ids := identity.NewStore(e.db)
	u, err := ids.CreateUser(context.Background(), identity.System(), identity.NewUser{Email: email, Name: email, Role: role, Password: "correct horse battery"})
	if err != nil {
		e.t.Fatal(err)
	}
	_, secret, err := ids.CreateToken(context.Background(), identity.System(), u.ID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return u, secret
}

// req describes one request.
type req struct {
	method, path string
	token        string
	body         any // a string or []byte is sent as is; anything else as JSON
	header       map[string]string
}

func (e *env) do(r req) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, hr)
	return w
}

// as is do with the token of a role.
func (e *env) as(role identity.Role, method, path string, body any, header ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	h := map[string]string{}
	for i := 0; i+1 < len(header); i += 2 {
		h[header[i]] = header[i+1]
	}
	return e.do(req{method: method, path: path, token: e.tokens[role], body: body, header: h})
}

func decode[T any](t testing.TB, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T from %d %s: %v", v, w.Code, w.Body.String(), err)
	}
	return v
}

func wantStatus(t testing.TB, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body.String())
	}
}

// problem is a decoded problem+json answer.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func wantProblem(t testing.TB, w *httptest.ResponseRecorder, status int, field string) problem {
	t.Helper()
	wantStatus(t, w, status)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	p := decode[problem](t, w)
	if p.Status != status || p.Title == "" || p.Type == "" {
		t.Fatalf("problem = %+v", p)
	}
	if field != "" {
		found := false
		for _, fe := range p.Errors {
			found = found || fe.Field == field && fe.Message != ""
		}
		if !found {
			t.Fatalf("no error for field %q in %+v", field, p)
		}
	}
	return p
}

// auditCount verifies the chain and returns its length: a failed request must not change it.
func (e *env) auditCount() int64 {
	e.t.Helper()
	return dbtest.AuditCount(e.t, e.db)
}

// claimByQuote finds a seeded claim whose quote contains s.
func (e *env) claimByQuote(s string) map[string]any {
	e.t.Helper()
	list, _, err := claims.NewStore(e.db).FindClaims(context.Background(), claims.Filter{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range list {
		if strings.Contains(c.Quote, s) {
			w := e.as(identity.RoleViewer, "GET", fmt.Sprintf("/api/v1/claims/%d", c.ID), nil)
			wantStatus(e.t, w, http.StatusOK)
			return decode[map[string]any](e.t, w)
		}
	}
	e.t.Fatalf("no seeded claim quotes %q", s)
	return nil
}

// listPage is a decoded listing.
type listPage struct {
	Data []map[string]any `json:"data"`
	Next *string          `json:"next_cursor"`
}

// data decodes a listing and returns its items.
func data(t testing.TB, w *httptest.ResponseRecorder) []map[string]any {
	t.Helper()
	wantStatus(t, w, http.StatusOK)
	return decode[listPage](t, w).Data
}
