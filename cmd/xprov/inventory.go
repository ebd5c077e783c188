package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/client"
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
	return group("type", "Service types (packs)", f, list, show)
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
	var role string
	create := &cobra.Command{
		Use:   "create NAME --role ROLE",
		Short: "Create a bearer token (the plaintext is shown once)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			t, err := c.CreateToken(cmd.Context(), args[0], role)
			if err != nil {
				return fail(err)
			}
			return f.printer(cmd).print(t, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "id\t%s\nname\t%s\nrole\t%s\ntoken\t%s\n", t.ID, t.Name, t.Role, t.Token)
			})
		},
	}
	create.Flags().StringVar(&role, "role", "viewer", "admin, designer, operator or viewer")
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
				fmt.Fprintln(w, "ID\tNAME\tROLE\tCREATED\tLAST USED\tREVOKED")
				for _, t := range ts {
					rev := "-"
					if t.Revoked != nil {
						rev = ago(*t.Revoked)
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, ago(t.Created), ago(t.LastUsed), rev)
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
