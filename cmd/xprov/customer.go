package main

import (
	"fmt"
	"net/http"
	"net/url"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/client"
	"github.com/xprov/xprov/ui/rest"
)

func customerCmd() *cobra.Command {
	f := &clientFlags{}
	return group("customer", "List, show, create, update and delete customers", f,
		customerListCmd(f), customerShowCmd(f), customerCreateCmd(f), customerUpdateCmd(f), customerDeleteCmd(f))
}

func customerPath(id string) string { return "/customers/" + url.PathEscape(id) }

func printCustomer(p printer, c store.Customer, etag string) error {
	return p.print(c, func(w *tabwriter.Writer) {
		fmt.Fprintf(w, "id\t%s\nname\t%s\nSAM id\t%s\nversion\t%d (ETag %s)\ncreated\t%s\nupdated\t%s\n",
			c.ID, c.Name, orDash(c.SAMID), c.Version, etag, ago(c.Created), ago(c.Updated))
	})
}

func customerListCmd(f *clientFlags) *cobra.Command {
	var all bool
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List customers by id",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			var items []store.Customer
			cursor := ""
			for {
				q := url.Values{}
				if limit > 0 {
					q.Set("limit", fmt.Sprint(limit))
				}
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				var page client.List[store.Customer]
				if _, err := c.Do(cmd.Context(), http.MethodGet, "/customers?"+q.Encode(), nil, nil, &page); err != nil {
					return fail(err)
				}
				items = append(items, page.Items...)
				if cursor = page.NextCursor; !all || cursor == "" {
					break
				}
			}
			return f.printer(cmd).print(items, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "ID\tNAME\tSAM ID\tUPDATED")
				for _, x := range items {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", x.ID, x.Name, orDash(x.SAMID), ago(x.Updated))
				}
				if cursor != "" {
					fmt.Fprintf(w, "(more: --all)\n")
				}
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "fetch every page")
	cmd.Flags().IntVar(&limit, "limit", 0, "page size")
	return cmd
}

func customerShowCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a customer and its services",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			var cu store.Customer
			h, err := c.Do(cmd.Context(), http.MethodGet, customerPath(args[0]), nil, nil, &cu)
			if err != nil {
				return fail(err)
			}
			svcs, err := c.ListServices(cmd.Context(), url.Values{"customer": {args[0]}})
			if err != nil {
				return fail(err)
			}
			p := f.printer(cmd)
			if p.json {
				return p.print(struct {
					store.Customer
					Services []store.Service `json:"services"`
				}{cu, svcs.Items}, nil)
			}
			if err := printCustomer(p, cu, h.Get("ETag")); err != nil {
				return err
			}
			return p.print(nil, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "\nSERVICE\tTYPE\tSTATE\n")
				for _, s := range svcs.Items {
					fmt.Fprintf(w, "%s\t%s\t%s\n", s.ID, s.Type, s.State)
				}
				if svcs.NextCursor != "" {
					fmt.Fprintf(w, "(more: xprov service list --customer %s --all)\n", cu.ID)
				}
			})
		},
	}
}

func customerCreateCmd(f *clientFlags) *cobra.Command {
	var name, sam string
	cmd := &cobra.Command{
		Use:     "create ID --name NAME [--sam-id N]",
		Short:   "Create a customer",
		Example: `  xprov customer create CUST-42 --name "ACME Corp" --sam-id 42`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			var cu store.Customer
			h, err := c.Do(cmd.Context(), http.MethodPost, "/customers",
				rest.CustomerRequest{ID: args[0], Name: name, SAMID: sam}, nil, &cu)
			if err != nil {
				return fail(err)
			}
			return printCustomer(f.printer(cmd), cu, h.Get("ETag"))
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the customer's name")
	cmd.Flags().StringVar(&sam, "sam-id", "", "the customer's id on SAM (decimal)")
	return cmd
}

func customerUpdateCmd(f *clientFlags) *cobra.Command {
	var name, sam, ifMatch string
	cmd := &cobra.Command{
		Use:   "update ID [--name NAME] [--sam-id N] [--if-match ETAG]",
		Short: "Update a customer's name or SAM id (the flags not given keep their values)",
		Long: "Update reads the customer, changes the given fields and writes it back under the ETag it read, " +
			"so a concurrent change is refused (exit 4) rather than overwritten. --if-match names the ETag expected.",
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			var cu store.Customer
			h, err := c.Do(cmd.Context(), http.MethodGet, customerPath(args[0]), nil, nil, &cu)
			if err != nil {
				return fail(err)
			}
			tag := h.Get("ETag")
			if ifMatch != "" {
				tag = ifMatch
			}
			in := rest.CustomerRequest{Name: cu.Name, SAMID: cu.SAMID}
			if cmd.Flags().Changed("name") {
				in.Name = name
			}
			if cmd.Flags().Changed("sam-id") {
				in.SAMID = sam
			}
			h, err = c.Do(cmd.Context(), http.MethodPut, customerPath(args[0]), in, http.Header{"If-Match": {tag}}, &cu)
			if err != nil {
				return fail(err)
			}
			return printCustomer(f.printer(cmd), cu, h.Get("ETag"))
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "new name")
	cmd.Flags().StringVar(&sam, "sam-id", "", `new SAM id ("" unmaps)`)
	cmd.Flags().StringVar(&ifMatch, "if-match", "", `ETag the customer must still have, e.g. '"3"'`)
	return cmd
}

func customerDeleteCmd(f *clientFlags) *cobra.Command {
	var ifMatch string
	cmd := &cobra.Command{
		Use:   "delete ID [--if-match ETAG]",
		Short: "Delete a customer (its services keep naming it)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			tag := ifMatch
			if tag == "" {
				h, err := c.Do(cmd.Context(), http.MethodGet, customerPath(args[0]), nil, nil, nil)
				if err != nil {
					return fail(err)
				}
				tag = h.Get("ETag")
			}
			if _, err := c.Do(cmd.Context(), http.MethodDelete, customerPath(args[0]), nil, http.Header{"If-Match": {tag}}, nil); err != nil {
				return fail(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted customer %s\n", args[0])
			return nil
		},
	}
	cmd.Flags().StringVar(&ifMatch, "if-match", "", `ETag the customer must still have, e.g. '"3"'`)
	return cmd
}
