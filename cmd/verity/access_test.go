package main

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"verity/claims/identity"
	"verity/migrations"
	"verity/migrations/database"
	"verity/migrations/dbtest"
	"verity/provenance/audit"
)

// migrated returns the path of a migrated, seeded SQLite database with one admin.
func migrated(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "v.db")
	for _, args := range [][]string{
		{"migrate", "--db", db},
		{"seed", "--db", db},
		{"user", "add", "--db", db, "--email", "ada@example.org", "--name", "Ada", "--role", "admin"},
	} {
		if _, _, err := runCLI(t, "", args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	return db
}

// TestCommandsOnAMissingDatabaseCreateNothing: a command that reads a database or acts on
// what is in it names the missing file and leaves no empty one behind.
func TestCommandsOnAMissingDatabaseCreateNothing(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"audit verify", []string{"audit", "verify"}},
		{"audit verify --json", []string{"audit", "verify", "--json"}},
		{"token create", []string{"token", "create", "--email", "ada@example.org"}},
		{"user add", []string{"user", "add", "--email", "ada@example.org", "--name", "Ada", "--role", "admin"}},
		{"migrate --status", []string{"migrate", "--status"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			typo := filepath.Join(dir, "typo.db")
			out, _, err := runCLI(t, "", append(tt.args, "--db", typo)...)
			want := "no database at " + typo + " (run verity migrate or verity serve first)"
			if err == nil || !strings.Contains(err.Error(), want) || exitCode(err) != exitFailure {
				t.Errorf("err = %v (exit %d), want %q and exit 1", err, exitCode(err), want)
			}
			if strings.Contains(out, "BROKEN") {
				t.Errorf("printed %q", out)
			}
			if _, err := os.Stat(typo); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s exists after the command: %v", typo, err)
			}
		})
	}
	// An existing file that was never migrated is reported as such, and left unmigrated.
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"audit", "verify"}, {"token", "create", "--email", "ada@example.org"}} {
		_, _, err := runCLI(t, "", append(args, "--db", empty)...)
		if err == nil || !strings.Contains(err.Error(), "not migrated") {
			t.Errorf("%v on an empty file: %v", args, err)
		}
	}
	// The commands that set a database up still create it.
	for _, args := range [][]string{{"migrate"}, {"seed"}} {
		fresh := filepath.Join(dir, args[0]+".db")
		if _, _, err := runCLI(t, "", append(args, "--db", fresh)...); err != nil {
			t.Errorf("%v on a new file: %v", args, err)
		}
	}
}

// TestExitCodes: a wrong command line exits 2 and does nothing; a command that runs and
// fails exits 1.
func TestExitCodes(t *testing.T) {
	db := migrated(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	before := auditCount(t, db)
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"serve", "--colour", "red"}, exitUsage, "unknown flag: --colour"},
		{"unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"unknown subcommand", []string{"user", "remove", "--db", db}, exitUsage, `unknown command "remove" for "verity user"`},
		{"argument where none is taken", []string{"audit", "verify", "extra", "--db", db}, exitUsage, `unknown command "extra"`},
		{"missing required flag", []string{"token", "create", "--db", db}, exitUsage, `required flag(s) "email" not set`},
		{"bad flag value", []string{"serve", "--max-upload-bytes", "lots", "--db", db}, exitUsage, "invalid argument"},
		{"non-positive upload size", []string{"serve", "--max-upload-bytes", "0", "--db", db, "--addr", "127.0.0.1:0"}, exitUsage, "--max-upload-bytes must be a positive"},
		{"a memory limit that is no size", []string{"serve", "--memory-limit", "lots", "--db", db, "--addr", "127.0.0.1:0"}, exitUsage, "--memory-limit: want a positive size"},
		{"bad role", []string{"user", "add", "--db", db, "--email", "x@example.org", "--name", "X", "--role", "boss"}, exitUsage, "--role must be one of viewer, reviewer, editor, auditor, admin"},
		{"malformed email", []string{"user", "add", "--db", db, "--email", "not-an-email", "--name", "X", "--role", "viewer"}, exitUsage, "--email must be an email address"},
		{"email in use", []string{"user", "add", "--db", db, "--email", "ada@example.org", "--name", "Ada", "--role", "admin"}, exitUsage, "--email is already used"},
		{"malformed head", []string{"audit", "verify", "--db", db, "--head", "zz"}, exitUsage, "--head must be a head hash"},
		{"upper-case head", []string{"audit", "verify", "--db", db, "--head", strings.Repeat("A", 64)}, exitUsage, "--head must be a head hash"},

		{"unknown head", []string{"audit", "verify", "--db", db, "--head", strings.Repeat("0", 64)}, exitFailure, "does not verify"},
		{"no such user", []string{"token", "create", "--db", db, "--email", "nobody@example.org"}, exitFailure, "not found"},
		{"port in use", []string{"serve", "--db", db, "--addr", ln.Addr().String()}, exitFailure, "cannot listen on"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCLI(t, "", tt.args...)
			if err == nil || exitCode(err) != tt.code || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, exit %d; want exit %d and %q", err, exitCode(err), tt.code, tt.want)
			}
			if tt.code == exitUsage {
				if !strings.Contains(err.Error(), "--help' for usage") {
					t.Errorf("a usage error without the hint: %v", err)
				}
				if strings.Contains(out, "BROKEN") {
					t.Errorf("a usage error reported tampering: %q", out)
				}
			}
		})
	}
	if got := auditCount(t, db); got != before {
		t.Errorf("failed commands appended %d audit events", got-before)
	}
	out, _, err := runCLI(t, "", "--help")
	if err != nil || !strings.Contains(out, "Exit status:") || !strings.Contains(out, "2  the command line is wrong") {
		t.Errorf("--help does not document the exit codes: %v %q", err, out)
	}
}

func auditCount(t *testing.T, path string) int64 {
	t.Helper()
	db, err := database.Open(context.Background(), path, database.MustExist())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return dbtest.AuditCount(t, db)
}

// TestCLITokensNameTheirOperator: a token made at the command line records the operator as
// its maker, and the audit trail names them on its creation.
func TestCLITokensNameTheirOperator(t *testing.T) {
	path := migrated(t)
	token, _, err := runCLI(t, "", "token", "create", "--db", path, "--email", "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	op := (&app{}).operator().CLI
	ctx := context.Background()
	db, err := database.Open(ctx, path, database.MustExist())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids := identity.NewStore(db)
	u, tok, err := ids.Authorize(ctx, strings.TrimSpace(token))
	if err != nil {
		t.Fatal(err)
	}
	if tok.CreatedBy != nil || tok.CreatedByCLI == nil || *tok.CreatedByCLI != op {
		t.Errorf("token made by %v / %v, want the cli operator %s", tok.CreatedBy, tok.CreatedByCLI, op)
	}
	if got, want := u.ActorVia(tok).AuditName(), "user:1 via cli token from "+op; got != want {
		t.Errorf("acting through it = %q, want %q", got, want)
	}
	events, _, err := audit.Find(ctx, db.Reader(), audit.Filter{Action: "token.create", Limit: 5})
	if err != nil || len(events) != 1 || events[0].Actor != "cli:"+op {
		t.Errorf("token.create events = %+v, %v; want one by cli:%s", events, err, op)
	}
}

// TestServeAndMigrateAreAudited: what serve does on a fresh database (the migrations, the
// seed, the first admin, whose password the operator sees) is recorded as the operator's,
// as every other command-line change is.
func TestServeAndMigrateAreAudited(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.db")
	startAndStop(t, path)
	ctx := context.Background()
	db, err := database.Open(ctx, path, database.MustExist())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	status, err := migrations.Status(ctx, db.Bun())
	if err != nil {
		t.Fatal(err)
	}
	op := "cli:" + (&app{}).operator().CLI
	for _, tt := range []struct {
		action string
		want   int
	}{
		{"schema.migrate", len(status)},
		{"user.create", 1},
		{"article.create", 1},
	} {
		events, _, err := audit.Find(ctx, db.Reader(), audit.Filter{Action: tt.action, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != tt.want {
			t.Errorf("%d %s events, want %d", len(events), tt.action, tt.want)
		}
		for _, e := range events {
			if e.Actor != op {
				t.Errorf("%s by %q, want %q", tt.action, e.Actor, op)
			}
		}
	}
	if r, err := audit.Verify(ctx, db.Reader(), ""); err != nil || !r.OK {
		t.Errorf("chain after serve: %+v %v", r, err)
	}
}
