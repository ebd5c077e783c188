package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/client"
	"github.com/xprov/xprov/ui/rest"
)

func clientResult(run store.Run) client.Result { return client.Result{Run: &run} }

func deviceCmd() *cobra.Command {
	f := &clientFlags{}
	var vendor string
	list := &cobra.Command{
		Use:   "list",
		Short: "List inventory devices",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			devs, err := c.Devices(cmd.Context(), vendor)
			if err != nil {
				return fail(err)
			}
			return f.printer(cmd).print(client.List[any]{Items: anySlice(devs)}, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "NAME\tVENDOR\tPLATFORM\tADDRESS\tVIA\tPORTS")
				for _, d := range devs {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\n", d.Name, d.Vendor, orDash(d.Platform), orDash(d.Address), orDash(d.NMS), len(d.Ports))
				}
			})
		},
	}
	list.Flags().StringVar(&vendor, "vendor", "", "only this vendor (junos, sros)")
	get := &cobra.Command{
		Use:   "get NAME",
		Short: "Show a device, its ports and the services on each",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			d, err := c.Device(cmd.Context(), args[0])
			if err != nil {
				return fail(err)
			}
			return f.printer(cmd).print(d, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "name\t%s\nvendor\t%s\nplatform\t%s\nos\t%s\naddress\t%s\nvia\t%s\n\n", d.Name, d.Vendor,
					orDash(d.Platform), orDash(d.OSVersion), orDash(d.Address), orDash(d.NMS))
				fmt.Fprintln(w, "PORT\tSPEED\tADMIN\tOPER\tSERVICES")
				for _, p := range d.Ports {
					fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\n", p.Name, p.SpeedMbps, updown(p.AdminUp), updown(p.OperUp), orDash(strings.Join(p.Services, ",")))
				}
			})
		},
	}
	discover := &cobra.Command{
		Use:   "discover [TARGET...]",
		Short: "Discover devices from every target (or the named ones) into inventory",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			res, err := c.Discover(cmd.Context(), args...)
			if err != nil {
				return fail(err)
			}
			err = f.printer(cmd).print(res, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "NAME\tVENDOR\tVIA\tPORTS")
				for _, d := range res.Items {
					fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", d.Name, d.Vendor, orDash(d.NMS), len(d.Ports))
				}
				for _, e := range res.Errors {
					fmt.Fprintf(w, "error\t%s\n", e)
				}
			})
			if err == nil && len(res.Errors) > 0 {
				return &exitError{code: exitFailure, err: fmt.Errorf("%d target(s) failed", len(res.Errors))}
			}
			return err
		},
	}
	op := &cobra.Command{
		Use:   "op NAME COMMAND...",
		Short: `Run an operational command on a device (e.g. "show configuration")`,
		Args:  usageArgs(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			res, err := c.Op(cmd.Context(), args[0], strings.Join(args[1:], " "))
			if err != nil {
				return fail(err)
			}
			return f.printer(cmd).print(res, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, strings.TrimRight(res.Text, "\n"))
			})
		},
	}
	return group("device", "Inventory: list, show, discover devices and run ops", f, list, get, discover, op)
}

func anySlice[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func updown(b bool) string {
	if b {
		return "up"
	}
	return "down"
}

func typeCmd() *cobra.Command {
	f := &clientFlags{}
	list := &cobra.Command{
		Use:   "list",
		Short: "List service types (packs)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ts, err := c.Types(cmd.Context())
			if err != nil {
				return fail(err)
			}
			return f.printer(cmd).print(client.List[any]{Items: anySlice(ts)}, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "NAME\tVERSION\tVENDORS\tTITLE")
				for _, t := range ts {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.Name, t.Version, strings.Join(t.Vendors, ","), t.Title)
				}
			})
		},
	}
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a service type with its intent schema",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			t, err := c.Type(cmd.Context(), args[0])
			if err != nil {
				return fail(err)
			}
			return f.printer(cmd).print(t, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "name\t%s\nversion\t%s\ntitle\t%s\nvendors\t%s\n", t.Name, t.Version, t.Title, strings.Join(t.Vendors, ","))
				if t.Description != "" {
					fmt.Fprintf(w, "description\t%s\n", t.Description)
				}
				for _, o := range t.Ops {
					fmt.Fprintf(w, "op\t%s\t%s\n", o.Name, o.Title)
				}
				fmt.Fprintf(w, "schema\t%s\n", t.Schema)
			})
		},
	}
	return group("type", "Service types (packs)", f, list, show, typeReloadCmd(f))
}

func poolCmd() *cobra.Command {
	f := &clientFlags{}
	list := &cobra.Command{
		Use:   "list",
		Short: "Show pool usage",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ps, err := c.Pools(cmd.Context())
			if err != nil {
				return fail(err)
			}
			return f.printer(cmd).print(client.List[any]{Items: anySlice(ps)}, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "POOL\tSCOPE\tUSED\tSIZE")
				for _, p := range ps {
					size := "-"
					if p.Size > 0 {
						size = fmt.Sprint(p.Size)
					}
					fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", p.Pool, p.Scope, p.Used, size)
				}
			})
		},
	}
	return group("pool", "Resource pools", f, list)
}

func tokenCmd() *cobra.Command {
	f := &clientFlags{}
	var role, name, db string
	var expires time.Duration
	create := &cobra.Command{
		Use:   "create NAME --role ROLE [--expires DURATION] | create --db FILE --role admin [--name NAME]",
		Short: "Create a bearer token (the plaintext is shown once); --db writes it into a stopped server's database",
		Long: `Create a bearer token through the server (admin), or with --db directly in the SQLite file
of a server, which may be stopped: the offline way back in when no admin token works.
The plaintext is shown once; the server keeps only its hash.`,
		Example: `  xprov token create ci --role operator --expires 720h
  xprov token create --db /var/lib/xprov/xprov.db --role admin --name recovery`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if name != "" && name != args[0] {
					return &exitError{code: exitUsage, err: errors.New("give the name once: as the argument or as --name")}
				}
				name = args[0]
			}
			if expires < 0 {
				return &exitError{code: exitUsage, err: errors.New("--expires must be positive")}
			}
			if db != "" {
				return createTokenOffline(cmd, f, db, name, role, expires)
			}
			if name == "" {
				return &exitError{code: exitUsage, err: fmt.Errorf("a name is required\nusage: %s", cmd.UseLine())}
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			req := rest.TokenRequest{Name: name, Role: role}
			if expires > 0 {
				req.ExpiresIn = expires.String()
			}
			t, err := c.IssueToken(cmd.Context(), req)
			if err != nil {
				return fail(err)
			}
			return printToken(cmd, f, t)
		},
	}
	create.Flags().StringVar(&role, "role", "viewer", "admin, designer, operator or viewer")
	create.Flags().StringVar(&name, "name", "", "the token's name (or the argument); with --db default recovery-<time>")
	create.Flags().DurationVar(&expires, "expires", 0, "the token expires after this duration, e.g. 720h (default never)")
	create.Flags().StringVar(&db, "db", "", "write the token directly into this SQLite file (offline recovery; no --server needed)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ts, err := c.Tokens(cmd.Context())
			if err != nil {
				return fail(err)
			}
			return f.printer(cmd).print(client.List[any]{Items: anySlice(ts)}, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "ID\tNAME\tROLE\tSTATE\tCREATED\tLAST USED\tEXPIRES")
				for _, t := range ts {
					exp := "never"
					if t.Expires != nil {
						exp = t.Expires.Local().Format("2006-01-02 15:04")
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.State, ago(t.Created), ago(t.LastUsed), exp)
				}
			})
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if err := c.RevokeToken(cmd.Context(), args[0]); err != nil {
				return fail(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s\n", args[0])
			return nil
		},
	}
	return group("token", "Bearer tokens (admin)", f, create, list, revoke)
}

// printToken prints a created token with its plaintext.
func printToken(cmd *cobra.Command, f *clientFlags, t rest.TokenCreated) error {
	return f.printer(cmd).print(t, func(w *tabwriter.Writer) {
		exp := "never"
		if t.Expires != nil {
			exp = t.Expires.Local().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "id\t%s\nname\t%s\nrole\t%s\nexpires\t%s\ntoken\t%s\n", t.ID, t.Name, t.Role, exp, t.Token)
	})
}

// createTokenOffline writes a token directly into the SQLite file of a server, which may be
// stopped (SQLite lets a second process write beside a running one, too). The file must
// exist: a mistyped path must not create an empty database.
func createTokenOffline(cmd *cobra.Command, f *clientFlags, db, name, role string, expires time.Duration) error {
	if f.output != "table" && f.output != "json" {
		return &exitError{code: exitUsage, err: fmt.Errorf("-o %s: want table or json", f.output)}
	}
	if _, err := os.Stat(db); err != nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("--db: %w", err)}
	}
	if name == "" {
		name = "recovery-" + time.Now().UTC().Format("20060102-150405")
	}
	spec := store.TokenSpec{Name: name, Role: role}
	if expires > 0 {
		spec.Expires = time.Now().Add(expires)
	}
	st, err := store.OpenSQLite(cmd.Context(), db, store.SQLiteOptions{ReadConns: 1})
	if err != nil {
		return fmt.Errorf("token create --db %s: %w", db, err)
	}
	defer st.Close()
	plain, tok, err := st.IssueToken(cmd.Context(), spec)
	if err != nil {
		code := 1
		if errors.Is(err, store.ErrBadToken) {
			code = exitValidation
		} else if errors.Is(err, store.ErrExists) {
			code = exitConflict
			err = fmt.Errorf("%w (pick another --name)", err)
		}
		return &exitError{code: code, err: fmt.Errorf("token create --db %s: %w", db, err)}
	}
	if _, err := st.AppendAudit(cmd.Context(), store.AuditEntry{User: "offline:" + currentUser(), Action: "token create --db",
		Object: "tokens/" + tok.ID, Detail: auditDetail(tok)}); err != nil {
		return fmt.Errorf("token create --db %s: audit: %w", db, err)
	}
	return printToken(cmd, f, rest.TokenCreated{ID: tok.ID, Name: tok.Name, Role: tok.Role, Created: tok.Created, Expires: tok.Expires, Token: plain})
}

// currentUser names the operating-system user for the audit log ("" when unknown).
func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

func auditDetail(t store.Token) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"name": t.Name, "role": t.Role})
	return b
}
