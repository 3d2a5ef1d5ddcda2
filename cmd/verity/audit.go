package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"verity/claims/text"
	"verity/http/export"
	"verity/provenance/audit"
)

func (a *app) auditCommand() *cobra.Command {
	var head, csvFile string
	var asJSON bool
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the audit chain; with --head, prove an earlier head is still in it",
		Long: "verify recomputes every event's hash and link and reports ok, the count and the head\n" +
			"hash, or the first broken seq. Note the head hash it prints: a later verify --head HASH\n" +
			"shows that no event up to that head was removed or changed, which a chain alone cannot\n" +
			"show for its newest events. It exits 1 when the chain does not verify, and 2 (changing\n" +
			"and checking nothing) when --head is not a hash as verify prints it.\n" +
			"\n" +
			"With --csv FILE it checks an audit export instead of the database, from the file alone:\n" +
			"every event's hash, and the link of every event to the one before it where the file holds\n" +
			"both (a filtered export is a gapped run, whose links across its gaps cannot be checked\n" +
			"from the file). It names the first broken seq and exits 1 when a cell the chain covers\n" +
			"was changed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			// A malformed head is a typo, not tampering: refuse it before reading anything.
			if head != "" && !text.IsSHA256(head) {
				return usagef("--head must be a head hash as verify prints it (64 lowercase hex digits), not %q", head)
			}
			if csvFile != "" {
				return a.verifyCSV(csvFile, head, asJSON)
			}
			db, err := a.openExisting(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			r, err := audit.Verify(ctx, db.Reader(), head)
			if err != nil {
				return err
			}
			if asJSON {
				if err := a.printJSON(r); err != nil {
					return err
				}
			} else {
				printReport(a, r)
			}
			if !r.OK {
				// A non-zero exit, after the report, lets scripts and cron jobs alert on it.
				return errors.New("the audit chain does not verify")
			}
			return nil
		},
	}
	verify.Flags().StringVar(&head, "head", "", "a head hash noted earlier, which must still be in the chain")
	verify.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	verify.Flags().StringVar(&csvFile, "csv", "", "check an audit export (verity export audit, GET /exports/audit.csv) instead of the database")
	return group("audit", "Work with the audit trail", verify)
}

// printJSON writes a report as indented JSON on standard output.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printReport(a *app, r audit.Report) {
	if r.OK {
		fmt.Fprintf(a.stdout, "ok: %d events, head seq %d, head hash %s\n", r.Count, r.HeadSeq, r.HeadHash)
	} else {
		fmt.Fprintf(a.stdout, "BROKEN: %s\n", r.Reason)
		if r.BrokenSeq != nil {
			fmt.Fprintf(a.stdout, "first broken seq: %d\n", *r.BrokenSeq)
		}
		fmt.Fprintf(a.stdout, "verified before the break: %d events, up to seq %d (hash %s)\n", r.Count, r.HeadSeq, r.HeadHash)
	}
	if r.KnownHeadFound != nil {
		fmt.Fprintf(a.stdout, "known head %s: found=%v\n", r.KnownHead, *r.KnownHeadFound)
	}
}

// verifyCSV checks the events of an audit export from the file alone.
func (a *app) verifyCSV(name, head string, asJSON bool) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("cannot read the export: %w", err)
	}
	defer f.Close()
	events, err := export.ReadAuditCSV(f)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	r, err := audit.CheckRun(events, head)
	if err != nil {
		// A cell the export writes that cannot be read back was changed too: say where.
		return fmt.Errorf("%s does not verify: %w (checked %d events before it)", name, err, r.Count)
	}
	if asJSON {
		if err := a.printJSON(r); err != nil {
			return err
		}
	} else {
		printRun(a, r)
	}
	if !r.OK {
		return fmt.Errorf("%s does not verify", name)
	}
	return nil
}

func printRun(a *app, r audit.RunReport) {
	run := fmt.Sprintf("seq %d to %d", r.FirstSeq, r.LastSeq)
	switch {
	case r.Count == 0:
		run = "no events"
	case r.Contiguous:
		run += ", contiguous: every link checked"
	default:
		run += fmt.Sprintf(", gapped: %d events missing in %d gaps (a filtered export); %d links checked, the %d across gaps cannot be from the file", r.Missing, r.Gaps, r.LinksChecked, r.Gaps)
	}
	if r.FromGenesis {
		run += "; starts at the chain's first event"
	}
	if r.BrokenSeq != nil {
		fmt.Fprintf(a.stdout, "BROKEN: %s\nfirst broken seq: %d\n", r.Reason, *r.BrokenSeq)
		fmt.Fprintf(a.stdout, "verified before the break: %d events (%s)\n", r.Count, run)
	} else if r.OK {
		fmt.Fprintf(a.stdout, "ok: %d events, %s; last hash %s\n", r.Count, run, r.HeadHash)
	} else {
		fmt.Fprintf(a.stdout, "BROKEN: %s\nverified: %d events (%s)\n", r.Reason, r.Count, run)
	}
	if r.KnownHeadFound != nil {
		fmt.Fprintf(a.stdout, "known head %s: found=%v\n", r.KnownHead, *r.KnownHeadFound)
	}
}
