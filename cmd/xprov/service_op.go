package main

import (
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/ui/rest"
)

// serviceOpCmd is `xprov service op ID OP`: it runs a troubleshooting op of the service's
// pack on every endpoint (POST /services/{id}/ops/{op}) and shows each device's output. It
// exits non-zero when the op failed on any endpoint, after showing every result.
func serviceOpCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "op ID OP",
		Short: "Run a troubleshooting op of the service's pack on every endpoint",
		Example: `  # the E-LINE pack's pseudowire status, on both ends
  xprov service op hq-branch show_pseudowire
  # the ops a service type offers are listed by: xprov type show TYPE`,
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			var res rest.ServiceOpResults
			path := "/services/" + url.PathEscape(args[0]) + "/ops/" + url.PathEscape(args[1])
			if _, err := c.Do(cmd.Context(), "POST", path, nil, nil, &res); err != nil {
				return fail(err)
			}
			failed := 0
			for _, o := range res.Results {
				if o.Error != "" {
					failed++
				}
			}
			err = f.printer(cmd).print(res, func(w *tabwriter.Writer) {
				for i, o := range res.Results {
					if i > 0 {
						fmt.Fprintln(w)
					}
					fmt.Fprintf(w, "endpoint %d\t%s\n", o.Endpoint, o.Device)
					fmt.Fprintf(w, "command\t%s\n", orDash(o.Command))
					if o.Error != "" {
						fmt.Fprintf(w, "error\t%s\n", o.Error)
					}
					if o.Text != "" {
						fmt.Fprintln(w, strings.TrimRight(o.Text, "\n"))
					}
				}
			})
			if err == nil && failed > 0 {
				return &exitError{code: exitFailure, err: fmt.Errorf("op %s failed on %d of %d endpoint(s) of %s", args[1], failed, len(res.Results), args[0])}
			}
			return err
		},
	}
}
