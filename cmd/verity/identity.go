package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"verity/claims/fault"
	"verity/claims/identity"
	"verity/migrations/database"
)

// bootstrapAdmin creates the first admin on a database without users and prints its
// password once: there is no other way in.
func (a *app) bootstrapAdmin(ctx context.Context, db *database.DB, email string) error {
	ids := identity.NewStore(db)
	n, err := ids.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	password, err := generatePassword()
	if err != nil {
		return err
	}
	// The operator who starts serve sees the password: the admin is theirs to hand on.
	u, err := ids.CreateUser(ctx, a.operator(), identity.NewUser{Email: email, Name: "Administrator", Role: identity.RoleAdmin, Password: password})
	if err != nil {
		return fmt.Errorf("create the first admin: %w", err)
	}
	fmt.Fprintf(a.stdout, "Created admin %s with password: %s\nIt is shown only this once.\n", u.Email, password)
	return nil
}

func generatePassword() (string, error) {
	raw := make([]byte, 18)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

func (a *app) userCommand() *cobra.Command {
	var email, name, role string
	var passwordStdin bool
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a user (password from --password-stdin, or generated and printed)",
		Long: "add creates a user on an existing database. The password is for signing in to the\n" +
			"reviewer web pages (being built); the JSON API takes tokens: verity token create.",
		Example: "  verity user add --email editor@example.org --name 'Eda Editor' --role editor\n" +
			"  printf '%s' \"$PASSWORD\" | verity user add --email r@example.org --name Rev --role reviewer --password-stdin",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if !identity.Role(role).Valid() {
				return usagef("--role %s, not %q", fault.OneOf(identity.Roles()), role)
			}
			password, generated := "", false
			if passwordStdin {
				line, err := bufio.NewReader(a.stdin).ReadString('\n')
				if err != nil && line == "" {
					return errors.New("--password-stdin: no password on standard input")
				}
				password = strings.TrimRight(line, "\r\n")
			} else {
				var err error
				if password, err = generatePassword(); err != nil {
					return err
				}
				generated = true
			}
			db, err := a.openExisting(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := identity.NewStore(db).CreateUser(ctx, a.operator(), identity.NewUser{
				Email: email, Name: name, Role: identity.Role(role), Password: password,
			})
			if err != nil {
				return badFlags(err)
			}
			fmt.Fprintf(a.stdout, "added user %d %s (%s)\n", u.ID, u.Email, u.Role)
			if generated {
				fmt.Fprintf(a.stdout, "password: %s\n", password)
				fmt.Fprintln(a.stderr, "The password is shown only this once. It signs in to the web pages; for the API, make a token: verity token create --email "+u.Email)
			}
			return nil
		},
	}
	add.Flags().StringVar(&email, "email", "", "email address, used to sign in (required)")
	add.Flags().StringVar(&name, "name", "", "display name (required)")
	add.Flags().StringVar(&role, "role", "", "the user's role, which "+fault.OneOf(identity.Roles())+" (required)")
	add.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	for _, f := range []string{"email", "name", "role"} {
		_ = add.MarkFlagRequired(f) // the flags exist just above
	}
	return group("user", "Manage users", add)
}

// badFlags makes a domain's refusal of the values given on the command line (a malformed
// email, a name too long) a usage error naming the flags; other errors pass unchanged.
func badFlags(err error) error {
	if !fault.Is(err, fault.Invalid) {
		return err
	}
	fe := fault.As(err)
	if len(fe.Fields) == 0 {
		return usagef("%s", fe.Message)
	}
	parts := make([]string, 0, len(fe.Fields))
	for _, field := range slices.Sorted(maps.Keys(fe.Fields)) {
		parts = append(parts, fmt.Sprintf("--%s %s", field, fe.Fields[field]))
	}
	return usagef("%s", strings.Join(parts, "; "))
}

func (a *app) tokenCommand() *cobra.Command {
	var email, name string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token for a user and print it alone on stdout (shown only once)",
		Long: "create makes an API token for an existing user and prints it alone on stdout. The token\n" +
			"records you (USER@HOST) as its maker: whatever is done through it is audited as\n" +
			"user:ID via cli token from USER@HOST, and the token list shows it as created_by_cli.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, err := a.openExisting(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			ids := identity.NewStore(db)
			u, err := ids.FindUserByEmail(ctx, email)
			if err != nil {
				return err
			}
			_, secret, err := ids.CreateToken(ctx, a.operator(), u.ID, name)
			if err != nil {
				return badFlags(err)
			}
			fmt.Fprintln(a.stdout, secret)
			return nil
		},
	}
	create.Flags().StringVar(&email, "email", "", "the user's email (required)")
	create.Flags().StringVar(&name, "name", "cli", "a label for the token")
	_ = create.MarkFlagRequired("email") // the flag exists just above
	return group("token", "Manage API tokens", create)
}
