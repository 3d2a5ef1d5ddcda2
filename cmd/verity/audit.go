package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"verity/provenance/audit"
)

func (a *app) auditCommand() *cobra.Command {
	var head string
	var asJSON bool
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the audit chain; with --head, prove an earlier head is still in it",
		Long: "verify recomputes every event's hash and link and reports ok, the count and the head\n" +
			"hash, or the first broken seq. Note the head hash it prints: a later verify --head HASH\n" +
			"shows that no event up to that head was removed or changed, which a chain alone cannot\n" +
			"show for its newest events. It exits 1 when the chain does not verify, and 2 (changing\n" +
			"and checking nothing) when --head is not a hash as verify prints it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			// A malformed head is a typo, not tampering: refuse it before reading anything.
			if head != "" && !audit.IsHash(head) {
				return usagef("--head must be a head hash as verify prints it (64 lowercase hex digits), not %q", head)
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
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
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
	return group("audit", "Work with the audit trail", verify)
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
