package main

import (
	"encoding/json"
	"fmt"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/xprov/xprov/engine/bench"
)

func init() {
	var o bench.Options
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Provision E-LINEs end to end against simulated devices and report throughput",
		Long: `bench builds a throwaway store with the bundled packs, starts simulated Junos devices
(NETCONF over SSH) and a simulated SAM (SOAP) on loopback, or in-memory devices, creates
--services E-LINEs through the engine's bulk path (--batch N) or single path (--batch 1), and
reports services per second, CPU per service, peak memory and store size.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bar := progressbar.NewOptions(o.Services, progressbar.OptionSetWriter(cmd.ErrOrStderr()),
				progressbar.OptionSetDescription("provisioning"), progressbar.OptionClearOnFinish())
			o.Progress = func(done int) { _ = bar.Set(done) }
			res, err := bench.Run(cmd.Context(), o)
			_ = bar.Finish()
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
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Services, "services", 2000, "services to create")
	f.IntVar(&o.Batch, "batch", 500, "services per bulk transaction (1 = single-service path)")
	f.StringVar(&o.Southbound, "southbound", "sim", "sim (NETCONF and SOAP simulators) or memory")
	f.IntVar(&o.Junos, "junos", 4, "simulated Junos devices")
	f.IntVar(&o.SR, "sr", 2, "simulated SR nodes behind the SAM")
	f.BoolVar(&o.Mixed, "mixed", false, "every other service Junos to Nokia through the SAM")
	f.BoolVar(&o.Delete, "delete", false, "delete every service afterwards and measure it")
	f.StringVar(&o.Dir, "dir", "", "directory for the database (default a temp dir)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	rootCmd.AddCommand(cmd)
}
