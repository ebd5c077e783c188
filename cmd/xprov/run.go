package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/engine/store"
)

func runCmd() *cobra.Command {
	f := &clientFlags{}
	get := &cobra.Command{
		Use:   "get ID",
		Short: "Show a run with its journal",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			d, err := c.GetRun(cmd.Context(), args[0])
			if err != nil {
				return fail(err)
			}
			return printRun(f.printer(cmd), d.Run, d.Journal)
		},
	}
	watchC := &cobra.Command{
		Use:   "watch ID",
		Short: "Follow a run to its end with a progress bar (exit 5 if it fails)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			run, err := watch(cmd.Context(), cmd, f, c, args[0])
			if err != nil {
				return fail(err)
			}
			if err := printRun(f.printer(cmd), run, nil); err != nil {
				return err
			}
			if run.State != store.RunSucceeded {
				return &exitError{code: exitRunFailed, err: fmt.Errorf("run %s %s: %s", run.ID, run.State, run.Error)}
			}
			return nil
		},
	}
	cancel := &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a run (rolls back unless past its commit point)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			run, err := c.CancelRun(cmd.Context(), args[0])
			if err != nil {
				return fail(err)
			}
			return printRun(f.printer(cmd), run, nil)
		},
	}
	var service string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List runs, newest first",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			l, err := c.ListRuns(cmd.Context(), service, "", limit)
			if err != nil {
				return fail(err)
			}
			return f.printer(cmd).print(l, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "ID\tSERVICE\tKIND\tSTATE\tUSER\tCREATED")
				for _, r := range l.Items {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Service, r.Kind, r.State, orDash(r.User), ago(r.Created))
				}
			})
		},
	}
	list.Flags().StringVar(&service, "service", "", "runs of one service")
	list.Flags().IntVar(&limit, "limit", 20, "how many")
	return group("run", "Inspect, follow and cancel runs", f, get, watchC, cancel, list)
}

func planCmd() *cobra.Command {
	f := &clientFlags{}
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a saved plan (the device changes it makes)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			p, err := c.GetPlan(cmd.Context(), args[0])
			if err != nil {
				return fail(err)
			}
			return printPlan(f.printer(cmd), &p)
		},
	}
	var noWait bool
	apply := &cobra.Command{
		Use:   "apply ID",
		Short: "Apply exactly a saved plan (exit 4 if the service or network changed)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			run, err := c.ApplyPlan(cmd.Context(), args[0], false)
			if err != nil {
				return fail(err)
			}
			return finishRun(cmd.Context(), cmd, f, c, clientResult(run), noWait)
		},
	}
	apply.Flags().BoolVar(&noWait, "no-wait", false, "return once the run has started")
	return group("plan", "Show and apply dry-run plans", f, show, apply)
}
