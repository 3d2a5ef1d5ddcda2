package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
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
	u, err := ids.CreateUser(ctx, identity.System(), identity.NewUser{Email: email, Name: "Administrator", Role: identity.RoleAdmin, Password: password})
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
	cmd := &cobra.Command{Use: "user", Short: "Manage users"}
	var email, name, role string
	var passwordStdin bool
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a user (password from --password-stdin, or generated and printed)",
		Example: "  verity user add --email editor@example.org --name 'Eda Editor' --role editor\n" +
			"  printf '%s' \"$PASSWORD\" | verity user add --email r@example.org --name Rev --role reviewer --password-stdin",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if !identity.Role(role).Valid() {
				return fmt.Errorf("--role %s, not %q", fault.OneOf(identity.Roles()), role)
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
			db, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := identity.NewStore(db).CreateUser(ctx, a.operator(), identity.NewUser{
				Email: email, Name: name, Role: identity.Role(role), Password: password,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "added user %d %s (%s)\n", u.ID, u.Email, u.Role)
			if generated {
				fmt.Fprintf(a.stdout, "password: %s\n", password)
			}
			return nil
		},
	}
	add.Flags().StringVar(&email, "email", "", "email address, used to sign in (required)")
	add.Flags().StringVar(&name, "name", "", "display name (required)")
	add.Flags().StringVar(&role, "role", "", "viewer, reviewer, editor, auditor or admin (required)")
	add.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	for _, f := range []string{"email", "name", "role"} {
		_ = add.MarkFlagRequired(f) // the flags exist just above
	}
	cmd.AddCommand(add)
	return cmd
}

func (a *app) tokenCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	var email, name string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token for a user and print it alone on stdout (shown only once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, err := a.open(ctx)
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
				return err
			}
			fmt.Fprintln(a.stdout, secret)
			return nil
		},
	}
	create.Flags().StringVar(&email, "email", "", "the user's email (required)")
	create.Flags().StringVar(&name, "name", "cli", "a label for the token")
	_ = create.MarkFlagRequired("email") // the flag exists just above
	cmd.AddCommand(create)
	return cmd
}
