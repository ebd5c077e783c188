package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/ui/rest"
)

// typeReloadCmd asks the server to reload its pack directory now (POST /types/reload). A
// server started with --packs also polls that directory by itself; this is for a designer
// who does not want to wait for the poll, or a script that needs the problems in its output.
func typeReloadCmd(f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "reload",
		Short: "Reload the server's pack directory now and print every pack problem (exit 1 when there are some)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			var res rest.ReloadResult
			if _, err := c.Do(cmd.Context(), "POST", "/types/reload", nil, nil, &res); err != nil {
				return fail(err)
			}
			err = f.printer(cmd).print(res, func(w *tabwriter.Writer) {
				for _, t := range res.Types {
					fmt.Fprintf(w, "type\t%s\n", t)
				}
				for _, p := range res.Problems {
					fmt.Fprintf(w, "problem\t%s\n", p.String())
				}
			})
			if err != nil {
				return err
			}
			if len(res.Problems) > 0 {
				return &exitError{code: exitFailure, err: errors.New(fmt.Sprint(len(res.Problems), " pack problem(s); the broken packs keep serving their last good version"))}
			}
			return nil
		},
	}
}
