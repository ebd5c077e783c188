package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/xprov/xprov/engine/bench"
)

func init() {
	var (
		o      bench.Options
		bo     bench.BulkOptions
		mode   string
		packs  string
		out    string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Create, modify and delete services through the REST API against simulated devices and report throughput",
		Long: `bench measures xprov as users drive it. It starts the Junos simulators, the SAM simulator
and a server as child processes on loopback (this executable: xprov sim junos, xprov sim sam,
xprov serve with an inventory of the simulators), then --clients REST clients create, modify
(bandwidth profile) and delete --services services of the --packs in turn, with Juniper and
Nokia endpoints spread over every device. It reports per phase services per second, latency
percentiles and CPU per service of the server and of the simulators; the server's peak memory;
database bytes per service after a WAL checkpoint; device commits; failed requests; and it
checks that the devices are back to what they held before. --out writes the result as JSON.

--mode bulk is the older engine-only view: E-LINEs through the engine's bulk path in this
process (--batch, --southbound, --mixed, --delete apply to it). See docs/performance.md.`,
		Example: `  xprov bench --services 1000 --clients 8 --out bench.json
  xprov bench --services 200 --packs eline,l3vpn --junos 6 --sr 4 --keep`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			stderr := cmd.ErrOrStderr()
			onTerminal := newProgress(stderr, true).w != nil
			if mode == "bulk" {
				return runBulk(cmd, bo, asJSON, onTerminal)
			}
			if mode != "rest" {
				return &exitError{code: exitUsage, err: fmt.Errorf("bench: --mode is rest or bulk, not %q", mode)}
			}
			if packs != "" {
				o.Packs = strings.Split(packs, ",")
			}
			var bar *progressbar.ProgressBar
			phase := ""
			if onTerminal {
				o.Progress = func(ph string, done, total int) {
					if ph != phase {
						if bar != nil {
							_ = bar.Finish()
						}
						phase = ph
						bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr),
							progressbar.OptionSetDescription(fmt.Sprintf("%-6s", ph)), progressbar.OptionClearOnFinish(),
							progressbar.OptionShowCount(), progressbar.OptionShowIts())
					}
					_ = bar.Set(done)
				}
			}
			res, err := bench.Run(cmd.Context(), o)
			if bar != nil {
				_ = bar.Finish()
			}
			if err != nil {
				return err
			}
			if out != "" {
				raw, _ := json.MarshalIndent(res, "", "  ")
				if err := os.WriteFile(out, append(raw, '\n'), 0o644); err != nil {
					return err
				}
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			res.Print(cmd.OutOrStdout())
			if res.Failed > 0 || len(res.Residue) > 0 {
				return &exitError{code: 1, err: fmt.Errorf("bench: %d requests failed, %d configuration lines left on the devices", res.Failed, len(res.Residue))}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&mode, "mode", "rest", "rest (child processes, REST clients) or bulk (engine bulk path in this process)")
	f.IntVar(&o.Services, "services", 1000, "services to create, modify and delete")
	f.IntVar(&o.Clients, "clients", 8, "concurrent REST clients, one token each")
	f.StringVar(&packs, "packs", strings.Join(bench.Packs, ","), "service types, used in turn (comma-separated)")
	f.IntVar(&o.Junos, "junos", 4, "simulated Junos devices")
	f.IntVar(&o.SR, "sr", 3, "simulated SR nodes behind the simulated SAM")
	f.BoolVar(&o.Keep, "keep", false, "keep the database and the children's logs (printed at the end)")
	f.BoolVar(&o.Profile, "profile", false, "write CPU profiles of the server and simulators into the kept directory (go tool pprof)")
	f.StringVar(&o.Dir, "dir", "", "directory for the database and logs (default a temp dir)")
	f.StringVar(&out, "out", "", "write the result as JSON to this file")
	f.DurationVar(&o.Stall, "stall", 2*time.Minute, "give up when no request finished for this long")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON instead of a table")
	f.IntVar(&bo.Batch, "batch", 500, "bulk mode: services per bulk transaction (1 = single-service path)")
	f.StringVar(&bo.Southbound, "southbound", "sim", "bulk mode: sim (NETCONF and SOAP simulators) or memory")
	f.BoolVar(&bo.Mixed, "mixed", false, "bulk mode: every other service Junos to Nokia through the SAM")
	f.BoolVar(&bo.Delete, "delete", false, "bulk mode: delete every service afterwards and measure it")
	cmd.PreRun = func(*cobra.Command, []string) {
		bo.Services, bo.Junos, bo.SR, bo.Dir = o.Services, o.Junos, o.SR, o.Dir
	}
	rootCmd.AddCommand(cmd)
}

// runBulk is --mode bulk.
func runBulk(cmd *cobra.Command, o bench.BulkOptions, asJSON, onTerminal bool) error {
	if onTerminal {
		bar := progressbar.NewOptions(o.Services, progressbar.OptionSetWriter(cmd.ErrOrStderr()),
			progressbar.OptionSetDescription("provisioning"), progressbar.OptionClearOnFinish())
		defer bar.Finish()
		o.Progress = func(done int) { _ = bar.Set(done) }
	}
	res, err := bench.RunBulk(cmd.Context(), o)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	res.Print(cmd.OutOrStdout())
	fmt.Fprintln(cmd.OutOrStdout())
	return nil
}
