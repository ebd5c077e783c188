package main

import (
	"fmt"
	"net/url"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/client"
	"github.com/xprov/xprov/ui/rest"
)

func serviceCmd() *cobra.Command {
	f := &clientFlags{}
	return group("service", "Create, inspect, modify, audit and delete services", f,
		serviceCreateCmd(f), serviceGetCmd(f), serviceListCmd(f), serviceModifyCmd(f),
		serviceDeleteCmd(f), serviceAuditCmd(f), serviceRedeployCmd(f), serviceOpCmd(f), serviceCloneCmd(f))
}

func serviceCreateCmd(f *clientFlags) *cobra.Command {
	var typ, id, intent, file, key string
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "create --type TYPE (--intent JSON | --file FILE)",
		Short: "Create a service (shows the plan with --dry-run)",
		Example: `  # against the demo (xprov serve --demo): an E-LINE between a Junos and a Nokia port
  xprov service create --type eline --id hq-branch --intent '{"customer":"CUST-1","endpoints":[` +
			`{"device":"pe1","port":"ge-0/0/1","vlan":100},{"device":"sr1","port":"1/1/1","vlan":100}]}'
  # preview the device changes first, from a file (- reads stdin)
  xprov service create --type eline --id hq-branch --dry-run -f hq-branch.json
  # the customer id's trailing number is the SAM customer, else give sam_customer_id (the demo SAM has 1)
  xprov service create --type eline --intent '{"customer":"acme","sam_customer_id":1,"endpoints":[` +
			`{"device":"pe2","port":"ge-0/0/2","vlan":200},{"device":"sr2","port":"1/1/2","vlan":200}]}'`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if typ == "" {
				return &exitError{code: exitUsage, err: fmt.Errorf("--type is required")}
			}
			raw, err := readIntent(cmd, file, intent)
			if err != nil {
				return err
			}
			res, err := c.CreateService(cmd.Context(), rest.CreateRequest{Type: typ, ID: id, Intent: raw},
				client.RunOptions{DryRun: rf.dryRun, IdempotencyKey: key})
			if err != nil {
				return fail(err)
			}
			return finishRun(cmd.Context(), cmd, f, c, res, rf.noWait)
		},
	}
	cmd.Flags().StringVar(&typ, "type", "", "service type (pack name)")
	cmd.Flags().StringVar(&id, "id", "", "service id (default: generated)")
	cmd.Flags().StringVar(&intent, "intent", "", "intent as inline JSON")
	cmd.Flags().StringVarP(&file, "file", "f", "", "intent JSON file, - for stdin")
	cmd.Flags().StringVar(&key, "idempotency-key", "", "makes the create safe to retry")
	rf.add(cmd)
	return cmd
}

func serviceGetCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "get ID",
		Short: "Show a service",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			s, etag, err := c.GetService(cmd.Context(), args[0])
			if err != nil {
				return fail(err)
			}
			return f.printer(cmd).print(s, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "id\t%s\ntype\t%s\nstate\t%s\ncustomer\t%s\nversion\t%d (ETag %s)\npack\t%s\nupdated\t%s\nlast run\t%s\n",
					s.ID, s.Type, s.State, orDash(s.Customer), s.Version, etag, s.PackVersion, ago(s.Updated), orDash(s.LastRun))
				for _, e := range s.Endpoints {
					fmt.Fprintf(w, "endpoint\t%s %s\n", e.Device, e.Port)
				}
				fmt.Fprintf(w, "intent\t%s\n", s.Intent)
			})
		},
	}
}

func serviceListCmd(f *clientFlags) *cobra.Command {
	q := map[string]*string{}
	var limit int
	var all bool
	var cursor string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List services (filters: --type --state --customer --device --port --q)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			v := url.Values{}
			for k, p := range q {
				v.Set(k, *p)
			}
			if limit > 0 {
				v.Set("limit", strconv.Itoa(limit))
			}
			var items []store.Service
			next := cursor
			for {
				v.Set("cursor", next)
				page, err := c.ListServices(cmd.Context(), v)
				if err != nil {
					return fail(err)
				}
				items = append(items, page.Items...)
				next = page.NextCursor
				if !all || next == "" {
					break
				}
			}
			out := client.List[store.Service]{Items: items, NextCursor: next}
			if out.Items == nil {
				out.Items = []store.Service{}
			}
			return f.printer(cmd).print(out, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "ID\tTYPE\tSTATE\tCUSTOMER\tVERSION\tUPDATED")
				for _, s := range items {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", s.ID, s.Type, s.State, orDash(s.Customer), s.Version, ago(s.Updated))
				}
				if next != "" {
					fmt.Fprintf(w, "(more: --cursor %s, or --all)\n", next)
				}
			})
		},
	}
	for _, k := range []string{"type", "state", "customer", "device", "port", "q", "sort"} {
		q[k] = cmd.Flags().String(k, "", "filter: "+k)
	}
	cmd.Flags().IntVar(&limit, "limit", 0, "page size (1..1000)")
	cmd.Flags().StringVar(&cursor, "cursor", "", "start at this cursor")
	cmd.Flags().BoolVar(&all, "all", false, "fetch every page")
	return cmd
}

func serviceModifyCmd(f *clientFlags) *cobra.Command {
	var intent, file, ifMatch string
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "modify ID (--intent JSON | --file FILE)",
		Short: "Replace a service's intent",
		Example: `  # move the demo's hq-branch E-LINE to VLAN 101 on both ends
  xprov service modify hq-branch --intent '{"customer":"CUST-1","endpoints":[` +
			`{"device":"pe1","port":"ge-0/0/1","vlan":101},{"device":"sr1","port":"1/1/1","vlan":101}]}'`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			raw, err := readIntent(cmd, file, intent)
			if err != nil {
				return err
			}
			res, err := c.ModifyService(cmd.Context(), args[0], raw, client.RunOptions{DryRun: rf.dryRun, IfMatch: ifMatch})
			if err != nil {
				return fail(err)
			}
			return finishRun(cmd.Context(), cmd, f, c, res, rf.noWait)
		},
	}
	cmd.Flags().StringVar(&intent, "intent", "", "new intent as inline JSON")
	cmd.Flags().StringVarP(&file, "file", "f", "", "new intent JSON file, - for stdin")
	cmd.Flags().StringVar(&ifMatch, "if-match", "", `the ETag you based the change on (e.g. '"3"'); default: the current one`)
	rf.add(cmd)
	return cmd
}

func versionedCmd(f *clientFlags, use, short string, call func(c *client.Client, cmd *cobra.Command, id string, o client.RunOptions) (client.Result, error)) *cobra.Command {
	var ifMatch string
	var rf runFlags
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			res, err := call(c, cmd, args[0], client.RunOptions{DryRun: rf.dryRun, IfMatch: ifMatch})
			if err != nil {
				return fail(err)
			}
			return finishRun(cmd.Context(), cmd, f, c, res, rf.noWait)
		},
	}
	cmd.Flags().StringVar(&ifMatch, "if-match", "", "the ETag you based the change on; default: the current one")
	rf.add(cmd)
	return cmd
}

func serviceDeleteCmd(f *clientFlags) *cobra.Command {
	return versionedCmd(f, "delete ID", "Delete a service (removes its config from the devices)",
		func(c *client.Client, cmd *cobra.Command, id string, o client.RunOptions) (client.Result, error) {
			return c.DeleteService(cmd.Context(), id, o)
		})
}

func serviceRedeployCmd(f *clientFlags) *cobra.Command {
	return versionedCmd(f, "redeploy ID", "Re-apply a service's recorded intent (repairs drift)",
		func(c *client.Client, cmd *cobra.Command, id string, o client.RunOptions) (client.Result, error) {
			return c.RedeployService(cmd.Context(), id, o)
		})
}

func serviceAuditCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "audit ID",
		Short: "Compare what a service owns with what its devices hold (exit 4 on drift, 1 when unknown)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			a, err := c.AuditService(cmd.Context(), args[0])
			if err != nil {
				return fail(err)
			}
			err = f.printer(cmd).print(a, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "service\t%s\nstatus\t%s\nin sync\t%v\n", a.Service, a.Status, a.InSync)
				printDrift(w, a.Drift)
			})
			if err == nil && a.Status == "drifted" {
				return &exitError{code: exitConflict, err: fmt.Errorf("service %s drifted; repair with: xprov service redeploy %s", a.Service, a.Service)}
			}
			if err == nil && a.Status == "unknown" {
				return &exitError{code: exitFailure, err: fmt.Errorf("service %s: a device could not be read; its state is unknown", a.Service)}
			}
			return err
		},
	}
}
