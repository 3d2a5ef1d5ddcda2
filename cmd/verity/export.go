package main

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"verity/claims"
	"verity/claims/fault"
	verityhttp "verity/http"
	"verity/http/export"
	"verity/migrations/database"
	"verity/provenance"
	"verity/provenance/audit"
)

// exportFlags are what both exports take besides their filters.
type exportFlags struct {
	out string
	bom bool
}

func (f *exportFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.out, "out", "", "write the CSV to this file (default: standard output); it appears only once the whole export is written")
	cmd.Flags().BoolVar(&f.bom, "bom", false, "start the file with a UTF-8 byte order mark, for Excel")
}

func (a *app) exportCommand() *cobra.Command {
	return group("export", "Export the audit trail or the claims as CSV", a.exportAuditCommand(), a.exportClaimsCommand())
}

func (a *app) exportAuditCommand() *cobra.Command {
	var ef exportFlags
	var from, to, actor, action, entityType, entityID string
	var articleID int64
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Export the audit trail as CSV, one row per event, oldest first",
		Long: "audit writes the audit events matching the filters as CSV, up to the head of the chain\n" +
			"when it starts, with the columns and cell rules the README's \"CSV exports\" section lists.\n" +
			"`verity audit verify --csv FILE` checks the chain from the file alone.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := provenance.AuditFilter{Filter: audit.Filter{Actor: actor, Action: action, EntityType: entityType, EntityID: entityID}}
			var err error
			if f.From, err = flagTime("--from", from); err != nil {
				return err
			}
			if f.To, err = flagTime("--to", to); err != nil {
				return err
			}
			if f.ArticleID, err = flagID("--article-id", articleID); err != nil {
				return err
			}
			ctx := cmd.Context()
			db, err := a.openExisting(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			total := int64(-1)
			if f.Filter.Actor == "" && f.Action == "" && f.EntityType == "" && f.EntityID == "" && f.From.IsZero() && f.To.IsZero() && f.ArticleID == 0 {
				if total, _, err = audit.Head(ctx, db.Reader()); err != nil {
					return err
				}
			}
			rows := provenance.NewStore(db).ExportAudit(ctx, f)
			return writeExport(a, ef, "audit events", total, export.AuditColumns, rows, export.Strings(export.AuditRecord))
		},
	}
	ef.register(cmd)
	cmd.Flags().StringVar(&from, "from", "", "events at or after this time (RFC 3339, or YYYY-MM-DD for midnight UTC)")
	cmd.Flags().StringVar(&to, "to", "", "events before this time")
	cmd.Flags().Int64Var(&articleID, "article-id", 0, "events about this article, its claims and their evidence and citations")
	cmd.Flags().StringVar(&actor, "actor", "", "user:N for every event user N is behind, or an actor as the trail records it")
	cmd.Flags().StringVar(&action, "action", "", "events of this action (claim.sign_off, evidence.add, …)")
	cmd.Flags().StringVar(&entityType, "entity-type", "", "events about this kind of entity (claim, article, evidence, …)")
	cmd.Flags().StringVar(&entityID, "entity-id", "", "events about the entity with this id")
	return cmd
}

func (a *app) exportClaimsCommand() *cobra.Command {
	var ef exportFlags
	var stage, status, kind, q string
	var articleID, assigneeID, sourceID int64
	cmd := &cobra.Command{
		Use:   "claims",
		Short: "Export claims as CSV, one row per claim, with sources, evidence and verdicts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := provenance.ClaimFilter{Filter: claims.Filter{Stage: claims.Stage(stage), Status: claims.Status(status), Kind: claims.Kind(kind), Q: q}}
			var err error
			for _, id := range []struct {
				flag string
				in   int64
				out  *int64
			}{{"--article-id", articleID, &f.ArticleID}, {"--assignee-id", assigneeID, &f.AssigneeID}, {"--source-id", sourceID, &f.SourceID}} {
				if *id.out, err = flagID(id.flag, id.in); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			db, err := a.openExisting(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			rows := provenance.NewStore(db).ExportClaims(ctx, f)
			return writeExport(a, ef, "claims", -1, export.ClaimColumns, rows, export.ClaimRecord)
		},
	}
	ef.register(cmd)
	cmd.Flags().Int64Var(&articleID, "article-id", 0, "claims of this article")
	cmd.Flags().StringVar(&stage, "stage", "", "claims at this stage: "+strings.Join(names(claims.Stages()), ", "))
	cmd.Flags().StringVar(&status, "status", "", "claims with this signed-off verdict: "+strings.Join(names(claims.Statuses()), ", "))
	cmd.Flags().StringVar(&kind, "kind", "", "claims of this kind: "+strings.Join(names(claims.Kinds()), ", "))
	cmd.Flags().Int64Var(&assigneeID, "assignee-id", 0, "claims assigned to this user")
	cmd.Flags().Int64Var(&sourceID, "source-id", 0, "claims that cite this source")
	cmd.Flags().StringVar(&q, "q", "", "full-text search over quote and text: every word must match, as a prefix")
	return cmd
}

func names[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}

func flagTime(flag, raw string) (time.Time, error) {
	if raw == "" {
		return time.Time{}, nil
	}
	var t verityhttp.Time
	if err := t.UnmarshalJSON([]byte(strconv.Quote(raw))); err != nil {
		return time.Time{}, usagef("%s must be an RFC 3339 time or a YYYY-MM-DD date, not %q", flag, raw)
	}
	return t.Time, nil
}

func flagID(flag string, id int64) (int64, error) {
	if id < 0 {
		return 0, usagef("%s must be a positive id, not %d", flag, id)
	}
	return id, nil
}

// writeExport writes the rows as CSV to --out (through a temporary file renamed at the end,
// so that a failed export never leaves a file that looks whole) or to standard output. On
// a terminal it shows a progress bar on standard error; piped or redirected, nothing.
func writeExport[T any](a *app, ef exportFlags, what string, total int64, header []string, rows iter.Seq2[T, error], record func(*export.Record, T)) (err error) {
	var tmp *os.File
	defer func() {
		if tmp != nil && err != nil {
			tmp.Close() // a second Close after a failed finish only says it is closed
			os.Remove(tmp.Name())
		}
	}()
	// opened tells an error of the first read (a filter the domain refuses: a usage error)
	// from one while writing.
	opened := false
	var bar *progressbar.ProgressBar
	open := func() (io.Writer, error) {
		opened = true
		bar = a.progress(what, total)
		if ef.out == "" {
			return a.stdout, nil
		}
		var err error
		if tmp, err = os.CreateTemp(filepath.Dir(ef.out), "."+filepath.Base(ef.out)+".partial-*"); err != nil {
			return nil, fmt.Errorf("cannot write %s: %w", ef.out, err)
		}
		return tmp, nil
	}
	each := func(n int64) {
		if bar != nil && n%500 == 0 {
			_ = bar.Set64(n)
		}
	}
	n, err := export.StreamCSV(rows, header, record, ef.bom, open, each)
	if bar != nil {
		_ = bar.Set64(n)
		_ = bar.Finish()
		fmt.Fprintln(a.stderr)
	}
	if err != nil {
		if !opened {
			return flagError(err)
		}
		return err
	}
	if tmp != nil {
		// The file is whole once it is on disk under its name: only then is it reported.
		if err := tmp.Sync(); err != nil {
			return fmt.Errorf("cannot write %s: %w", ef.out, err)
		}
		if err := tmp.Close(); err != nil {
			return fmt.Errorf("cannot write %s: %w", ef.out, err)
		}
		if err := os.Rename(tmp.Name(), ef.out); err != nil {
			return fmt.Errorf("cannot write %s: %w", ef.out, err)
		}
		fmt.Fprintf(a.stderr, "wrote %d %s to %s\n", n, what, ef.out)
	}
	return nil
}

// progress returns a progress bar on standard error when it is a terminal, or nil. total
// is the number of rows expected, or -1 when unknown (a spinner with the count).
func (a *app) progress(what string, total int64) *progressbar.ProgressBar {
	f, ok := a.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(a.stderr),
		progressbar.OptionSetDescription("exporting "+what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
	)
}

// flagError turns a filter the domain refuses into a usage error naming its flags.
func flagError(err error) error {
	var e *fault.Error
	if !errors.As(err, &e) || e.Kind != fault.Invalid || len(e.Fields) == 0 {
		return database.Translate(err)
	}
	parts := make([]string, 0, len(e.Fields))
	for field, msg := range e.Fields {
		parts = append(parts, "--"+strings.ReplaceAll(field, "_", "-")+" "+msg)
	}
	sort.Strings(parts)
	return usagef("%s", strings.Join(parts, "; "))
}
