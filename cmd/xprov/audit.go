package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/audit"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest"
)

// printDrift lists the differences of a service's audit, one line per node.
func printDrift(w *tabwriter.Writer, drift []engine.TargetDrift) {
	for _, d := range drift {
		if d.Error != "" {
			fmt.Fprintf(w, "%s\tunknown: %s\n", d.Target, d.Error)
		}
		for _, m := range d.Missing {
			fmt.Fprintf(w, "%s\tmissing %s = %q\n", d.Target, m.Path, m.Want)
		}
		for _, ch := range d.Changed {
			fmt.Fprintf(w, "%s\tchanged %s: want %q, device has %q\n", d.Target, ch.Path, ch.Want, ch.Actual)
		}
		for _, x := range d.Extra {
			fmt.Fprintf(w, "%s\textra %s = %q\n", d.Target, x.Path, x.Actual)
		}
	}
}

// scopeFlags are the flags selecting an audit's services.
func scopeFlags(cmd *cobra.Command, s *audit.Scope) {
	fl := cmd.Flags()
	fl.StringVar(&s.Service, "service", "", "one service")
	fl.StringVar(&s.Device, "device", "", "the services on a device")
	fl.StringVar(&s.Type, "type", "", "the services of a type")
	fl.StringVar(&s.Customer, "customer", "", "the services of a customer")
	fl.StringVar(&s.State, "state", "", "the services in a state")
}

func printJobs(w *tabwriter.Writer, jobs ...store.AuditJob) {
	fmt.Fprintln(w, "ID\tSCOPE\tSTATE\tSERVICES\tIN SYNC\tDRIFTED\tUNKNOWN\tTARGETS\tUNREACHABLE\tCREATED")
	for _, j := range jobs {
		var s audit.Scope
		_ = json.Unmarshal(j.Scope, &s)
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", j.ID, s, j.State, j.Services, j.InSync, j.Drifted, j.Unknown,
			j.Targets, j.Unreachable, ago(j.Created))
	}
}

func auditCmd() *cobra.Command {
	f := &clientFlags{}
	var scope audit.Scope
	var noWait bool
	run := &cobra.Command{
		Use:   "run",
		Short: "Audit services now: one, a device's, a filter's or (no flag) every service (exit 4 on drift)",
		Long: "Audit services now. Each device is read once for all the services on it; drift (missing, changed and extra\n" +
			"configuration) is attributed to the services that own it. An unreachable device makes its services unknown.",
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			j, err := c.StartAudit(cmd.Context(), scope, !noWait)
			if err != nil {
				return fail(err)
			}
			if err := f.printer(cmd).print(j, func(w *tabwriter.Writer) { printJobs(w, j) }); err != nil {
				return err
			}
			switch {
			case j.State == store.AuditJobFailed:
				return &exitError{code: exitFailure, err: fmt.Errorf("audit %s failed: %s", j.ID, j.Error)}
			case j.Drifted > 0:
				return &exitError{code: exitConflict, err: fmt.Errorf("%d service(s) drifted; see: xprov audit show %s --status drifted", j.Drifted, j.ID)}
			}
			return nil
		},
	}
	scopeFlags(run, &scope)
	run.Flags().BoolVar(&noWait, "no-wait", false, "return once the audit has started")

	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List audit jobs, newest first",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			l, err := c.AuditJobs(cmd.Context(), "", limit)
			if err != nil {
				return fail(err)
			}
			return f.printer(cmd).print(l, func(w *tabwriter.Writer) { printJobs(w, l.Items...) })
		},
	}
	list.Flags().IntVar(&limit, "limit", 20, "how many")

	var status string
	var all bool
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show an audit job and its per-service results (--status drifted, unknown, in-sync)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			j, err := c.AuditJob(cmd.Context(), args[0])
			if err != nil {
				return fail(err)
			}
			var results []store.AuditServiceResult
			cursor := ""
			for {
				l, err := c.AuditResults(cmd.Context(), j.ID, status, cursor, store.MaxPageSize)
				if err != nil {
					return fail(err)
				}
				results = append(results, l.Items...)
				if l.NextCursor == "" || !all && len(results) >= 100 {
					break
				}
				cursor = l.NextCursor
			}
			out := struct {
				Job     store.AuditJob             `json:"job"`
				Results []store.AuditServiceResult `json:"results"`
			}{j, results}
			return f.printer(cmd).print(out, func(w *tabwriter.Writer) {
				printJobs(w, j)
				fmt.Fprintln(w)
				for _, r := range results {
					fmt.Fprintf(w, "%s\t%s\n", r.Service, r.Status)
					var drift []engine.TargetDrift
					if len(r.Drift) > 0 && json.Unmarshal(r.Drift, &drift) == nil {
						printDrift(w, drift)
					}
				}
			})
		},
	}
	show.Flags().StringVar(&status, "status", "", "only results of this status: in-sync, drifted or unknown")
	show.Flags().BoolVar(&all, "all", false, "every result (default: the first 100)")

	var every string
	var sscope audit.Scope
	schedule := &cobra.Command{
		Use:   "schedule",
		Short: "Audit services periodically (--every 24h and the same scope flags as run)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			s, err := c.ScheduleAudit(cmd.Context(), sscope, every)
			if err != nil {
				return fail(err)
			}
			return f.printer(cmd).print(s, func(w *tabwriter.Writer) { printSchedules(w, s) })
		},
	}
	scopeFlags(schedule, &sscope)
	schedule.Flags().StringVar(&every, "every", "24h", "interval, at least 1m")

	schedules := &cobra.Command{
		Use:   "schedules",
		Short: "List audit schedules",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ss, err := c.AuditSchedules(cmd.Context())
			if err != nil {
				return fail(err)
			}
			return f.printer(cmd).print(ss, func(w *tabwriter.Writer) { printSchedules(w, ss...) })
		},
	}
	unschedule := &cobra.Command{
		Use:   "unschedule ID",
		Short: "Remove an audit schedule",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			if err := c.DeleteAuditSchedule(cmd.Context(), args[0]); err != nil {
				return fail(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "schedule %s removed\n", args[0])
			return nil
		},
	}
	targets := &cobra.Command{
		Use:   "targets",
		Short: "Each device's (or NMS's) sync state at its latest audit (exit 4 when one is out of sync)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ts, err := c.TargetSyncs(cmd.Context())
			if err != nil {
				return fail(err)
			}
			var bad []string
			err = f.printer(cmd).print(ts, func(w *tabwriter.Writer) {
				printTargets(w, ts)
			})
			for _, t := range ts {
				if t.State == store.SyncOutOfSync {
					bad = append(bad, t.Target)
				}
			}
			if err == nil && len(bad) > 0 {
				return &exitError{code: exitConflict, err: fmt.Errorf("out of sync: %v", bad)}
			}
			return err
		},
	}
	check := &cobra.Command{
		Use:   "check",
		Short: "Read the devices' commit histories for changes made behind xprov's back (exit 4 when one is found)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			ts, err := c.CheckChanges(cmd.Context())
			if err != nil {
				return fail(err)
			}
			err = f.printer(cmd).print(ts, func(w *tabwriter.Writer) { printTargets(w, ts) })
			if err == nil && len(ts) > 0 {
				return &exitError{code: exitConflict, err: fmt.Errorf("%d device(s) changed behind xprov's back; audit them: xprov audit run --device NAME", len(ts))}
			}
			return err
		},
	}
	return group("audit", "Audit services at scale, now or on a schedule", f, run, list, show, schedule, schedules, unschedule, targets, check)
}

func printSchedules(w *tabwriter.Writer, ss ...rest.AuditSchedule) {
	fmt.Fprintln(w, "ID\tSCOPE\tEVERY\tNEXT\tLAST JOB\tUSER")
	for _, s := range ss {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Scope, s.Every, s.Next.Format("2006-01-02 15:04:05Z07:00"), orDash(s.LastJob), orDash(s.User))
	}
}

func printTargets(w *tabwriter.Writer, ts []store.TargetSync) {
	fmt.Fprintln(w, "TARGET\tSTATE\tSERVICES\tDRIFTED\tAUDIT\tAT\tWHY")
	for _, t := range ts {
		why := t.Detail
		if why == "" {
			why = t.Error
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", t.Target, t.State, t.Services, t.Drifted, t.Job, ago(t.At), orDash(why))
	}
}
