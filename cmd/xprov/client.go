package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/client"
	"github.com/xprov/xprov/ui/rest"
)

// Exit codes of the client commands.
const (
	exitOK         = 0
	exitFailure    = 1
	exitUsage      = 2
	exitValidation = 3 // 422
	exitConflict   = 4 // 409, 412, 428
	exitRunFailed  = 5
)

// clientFlags are the connection and output flags every client command takes.
type clientFlags struct {
	server, token, output string
	// poll is how often a watched run is polled (tests shorten it).
	poll time.Duration
}

// clientCommands are the REST client command groups, built fresh for each root (tests build
// their own root so that flag values never leak between runs).
func clientCommands() []*cobra.Command {
	return []*cobra.Command{serviceCmd(), runCmd(), planCmd(), deviceCmd(), typeCmd(), poolCmd(), tokenCmd(), auditCmd(), customerCmd()}
}

func init() {
	rootCmd.AddCommand(clientCommands()...)
}

// group makes a command group whose subcommands share the client flags.
func group(use, short string, f *clientFlags, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Args: usageArgs(cobra.NoArgs)}
	pf := c.PersistentFlags()
	pf.StringVar(&f.server, "server", os.Getenv("XPROV_SERVER"), "server address, e.g. http://127.0.0.1:8080 (env XPROV_SERVER)")
	pf.StringVar(&f.token, "token", "", "bearer token (env XPROV_TOKEN)")
	pf.StringVarP(&f.output, "output", "o", "table", "output format: table or json")
	c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{code: exitUsage, err: err} })
	c.AddCommand(subs...)
	return c
}

// usageArgs turns an argument-count error into a usage exit.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("%w\nusage: %s", err, cmd.UseLine())}
		}
		return nil
	}
}

func (f *clientFlags) client() (*client.Client, error) {
	if f.output != "table" && f.output != "json" {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("-o %s: want table or json", f.output)}
	}
	tok := f.token
	if tok == "" {
		tok = os.Getenv("XPROV_TOKEN")
	}
	if f.server == "" {
		return nil, &exitError{code: exitUsage, err: errors.New("no server: pass --server or set XPROV_SERVER")}
	}
	return &client.Client{Base: f.server, Token: tok}, nil
}

// fail maps an error to the process exit code.
func fail(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	var ce *client.Error
	if errors.As(err, &ce) {
		switch {
		case ce.Problem.Run != nil:
			return &exitError{code: exitRunFailed, err: err}
		case ce.Status == 422:
			return &exitError{code: exitValidation, err: err}
		case ce.Status == 409 || ce.Status == 412 || ce.Status == 428:
			return &exitError{code: exitConflict, err: err}
		}
	}
	return &exitError{code: exitFailure, err: err}
}

// printer writes either JSON or a table.
type printer struct {
	w    io.Writer
	json bool
}

func (f *clientFlags) printer(cmd *cobra.Command) printer {
	return printer{w: cmd.OutOrStdout(), json: f.output == "json"}
}

// print writes v as indented JSON, or calls table.
func (p printer) print(v any, table func(w *tabwriter.Writer)) error {
	if p.json {
		enc := json.NewEncoder(p.w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	table(tw)
	return tw.Flush()
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// readIntent reads an intent from a file ("-" for stdin) or takes it inline.
func readIntent(cmd *cobra.Command, file, inline string) (json.RawMessage, error) {
	var raw []byte
	var err error
	switch {
	case inline != "" && file != "":
		return nil, &exitError{code: exitUsage, err: errors.New("give --intent or --file, not both")}
	case inline != "":
		raw = []byte(inline)
	case file == "-":
		raw, err = io.ReadAll(cmd.InOrStdin())
	case file != "":
		raw, err = os.ReadFile(file)
	default:
		return nil, &exitError{code: exitUsage, err: errors.New("an intent is required: --intent JSON or --file FILE (- for stdin)")}
	}
	if err != nil {
		return nil, fmt.Errorf("read intent: %w", err)
	}
	if !json.Valid(raw) {
		return nil, &exitError{code: exitUsage, err: errors.New("the intent is not valid JSON")}
	}
	return raw, nil
}

// runFlags are the flags of commands that start a run.
type runFlags struct {
	dryRun, noWait bool
}

func (r *runFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&r.dryRun, "dry-run", false, "compute and show the plan; change nothing")
	cmd.Flags().BoolVar(&r.noWait, "no-wait", false, "return once the run has started")
}

// finishRun prints a plan, or watches a run to its end and prints it.
func finishRun(ctx context.Context, cmd *cobra.Command, f *clientFlags, c *client.Client, res client.Result, noWait bool) error {
	p := f.printer(cmd)
	if res.Plan != nil {
		return printPlan(p, res.Plan)
	}
	run := *res.Run
	if !noWait && !engine.Finished(run.State) {
		var err error
		if run, err = watch(ctx, cmd, f, c, run.ID); err != nil {
			return fail(err)
		}
	}
	if err := printRun(p, run, nil); err != nil {
		return err
	}
	if engine.Finished(run.State) && run.State != store.RunSucceeded {
		return &exitError{code: exitRunFailed, err: fmt.Errorf("run %s %s: %s", run.ID, run.State, run.Error)}
	}
	return nil
}

// watch follows a run to its end, drawing its journaled steps as a one-line progress display
// on stderr (only on a terminal, and not with -o json). The line is erased before watch
// returns, so the caller prints the result on a clean terminal.
func watch(ctx context.Context, cmd *cobra.Command, f *clientFlags, c *client.Client, id string) (store.Run, error) {
	poll := f.poll
	if poll == 0 {
		poll = 300 * time.Millisecond
	}
	bar := newProgress(cmd.ErrOrStderr(), f.output != "json")
	defer bar.done()
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		d, err := c.GetRun(ctx, id)
		if err != nil {
			return store.Run{}, err
		}
		if engine.Finished(d.State) {
			return d.Run, nil
		}
		step, phase := "", ""
		if n := len(d.Journal); n > 0 {
			step, phase = d.Journal[n-1].Step, d.Journal[n-1].Phase
		}
		bar.update(progressText(id, step, phase), len(d.Journal))
		select {
		case <-ctx.Done():
			return d.Run, ctx.Err()
		case <-t.C:
		}
	}
}

func printRun(p printer, run store.Run, journal []store.JournalEntry) error {
	if p.json {
		if journal != nil {
			return p.print(rest.RunDetail{Run: run, Journal: journal}, nil)
		}
		return p.print(run, nil)
	}
	return p.print(nil, func(w *tabwriter.Writer) {
		fmt.Fprintf(w, "run\t%s\nservice\t%s\nkind\t%s\nstate\t%s\n", run.ID, run.Service, run.Kind, run.State)
		if run.PlanID != "" {
			fmt.Fprintf(w, "plan\t%s\n", run.PlanID)
		}
		if run.User != "" {
			fmt.Fprintf(w, "user\t%s\n", run.User)
		}
		if run.Error != "" {
			fmt.Fprintf(w, "error\t%s\n", run.Error)
		}
		for _, t := range run.Targets {
			fmt.Fprintf(w, "target %s\t%s, %d change(s) %s\n", t.Target, t.State, t.Changes, t.Error)
		}
		for _, j := range journal {
			fmt.Fprintf(w, "  %d\t%s\t%s\t%s\n", j.Seq, j.Step, j.Phase, j.At.Local().Format("15:04:05.000"))
		}
	})
}

func printPlan(p printer, plan *engine.Plan) error {
	if p.json {
		return p.print(plan, nil)
	}
	return p.print(nil, func(w *tabwriter.Writer) {
		fmt.Fprintf(w, "plan\t%s\nservice\t%s\ntype\t%s\nop\t%s\nhash\t%s\n", plan.ID, plan.Service, plan.Type, plan.Op, plan.Hash)
		for _, a := range plan.Allocations {
			fmt.Fprintf(w, "allocate\t%s[%s] %s = %d\n", a.Pool, a.Scope, a.Key, a.Value)
		}
		w.Flush()
		for _, t := range plan.Targets {
			fmt.Fprintf(w, "\n--- %s (%s, %d change(s))\n", t.Target, strings.Join(t.Devices, ", "), len(t.ChangeSet.Changes))
			fmt.Fprintln(w, strings.TrimRight(t.Rendering.Text, "\n"))
		}
		if plan.Empty() {
			fmt.Fprintln(w, "\nno changes")
		}
		fmt.Fprintf(w, "\napply with: xprov plan apply %s\n", plan.ID)
	})
}
