package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/packtest"
)

// packCmd groups the designer's tools: `xprov pack validate DIR`, `xprov pack test DIR`.
var packCmd = &cobra.Command{
	Use:   "pack",
	Short: "Check and test service packs (any pack directory, in or outside the repository)",
}

var packValidateCmd = &cobra.Command{
	Use:   "validate DIR...",
	Short: "Load packs and print every problem as file:line:col: message",
	Args:  cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		out := cmd.OutOrStdout()
		bad := 0
		for _, dir := range args {
			p, err := pack.Load(dir)
			var le *pack.LoadError
			switch {
			case errors.As(err, &le):
				bad++
				for _, pr := range le.Problems {
					fmt.Fprintf(out, "%s\n", prefixed(dir, pr))
				}
			case err != nil:
				return &exitError{code: 2, err: err}
			default:
				fmt.Fprintf(out, "ok %s %s (%s)\n", p.Meta.Name, p.Version, dir)
			}
		}
		if bad > 0 {
			return &exitError{code: 1, err: fmt.Errorf("%d pack(s) with problems", bad)}
		}
		return nil
	},
}

// prefixed shows a problem with its file relative to the current directory, so editors can
// jump to it.
func prefixed(dir string, p pack.Problem) string {
	p.File = path.Join(filepath.ToSlash(dir), p.File) // a library's ../lib/x.star becomes DIR/../lib/x.star, cleaned
	return p.String()
}

// packTestCmd parses its own flags with the standard flag package so that the Go-style
// single-dash spellings (-update, -run, -v) work as designers expect from `go test`.
var packTestCmd = &cobra.Command{
	Use:                "test [-update] [-run PATTERN] [-v] DIR",
	Short:              "Run a pack's golden tests (tests/*.txtar); -update rewrites the want sections",
	DisableFlagParsing: true,
	RunE: func(cmd *cobra.Command, args []string) error {
		fs := flag.NewFlagSet("xprov pack test", flag.ContinueOnError)
		fs.SetOutput(cmd.ErrOrStderr())
		update := fs.Bool("update", false, "rewrite the want/ sections from the pack's output")
		runPat := fs.String("run", "", "run only the cases whose name matches this regular expression")
		verbose := fs.Bool("v", false, "print the scripts' log lines of every case")
		maxSteps := fs.Uint64("max-steps", 0, "Starlark step limit per script call (0: default)")
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return &exitError{code: 2, err: err}
		}
		if fs.NArg() != 1 {
			return &exitError{code: 2, err: errors.New("usage: xprov pack test [-update] [-run PATTERN] [-v] DIR")}
		}
		dir := fs.Arg(0)
		opts := packtest.Options{Update: *update, Pack: pack.Options{MaxSteps: *maxSteps}}
		if *runPat != "" {
			re, err := regexp.Compile(*runPat)
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("-run: %w", err)}
			}
			opts.Run = re
		}
		out := cmd.OutOrStdout()
		res, err := packtest.RunDir(cmd.Context(), dir, opts)
		var le *pack.LoadError
		if errors.As(err, &le) {
			for _, pr := range le.Problems {
				fmt.Fprintln(out, prefixed(dir, pr))
			}
			return &exitError{code: 1, err: fmt.Errorf("pack %s does not load", dir)}
		}
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		return reportTests(out, res, *verbose)
	},
}

func reportTests(out io.Writer, res []packtest.Result, verbose bool) error {
	failed := 0
	for _, r := range res {
		status := "PASS"
		switch {
		case r.Err != nil || !r.Passed:
			status = "FAIL"
			failed++
		case r.Updated:
			status = "UPDATED"
		}
		fmt.Fprintf(out, "%-7s %s\n", status, r.Name)
		if verbose || status == "FAIL" {
			for _, l := range r.Log {
				fmt.Fprintf(out, "        log %s\n", l)
			}
		}
		if r.Err != nil {
			fmt.Fprintf(out, "        %v\n", r.Err)
		}
		if r.Diff != "" {
			for _, l := range strings.Split(strings.TrimSuffix(r.Diff, "\n"), "\n") {
				fmt.Fprintf(out, "        %s\n", l)
			}
		}
	}
	fmt.Fprintf(out, "%d case(s), %d failed\n", len(res), failed)
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d case(s) failed", failed, len(res))}
	}
	return nil
}

func init() {
	packCmd.AddCommand(packValidateCmd, packTestCmd)
	rootCmd.AddCommand(packCmd)
}
