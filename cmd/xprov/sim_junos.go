package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/xprov/xprov/adapters/junos/sim"
)

// simJunosCmd serves a fleet of simulated Junos devices until interrupted.
func simJunosCmd() *cobra.Command {
	var (
		devices     int
		listen      string
		user        string
		password    string
		model       string
		version     string
		ports       int
		prefix      string
		commitDelay time.Duration
		noBase11    bool
	)
	cmd := &cobra.Command{
		Use:   "junos",
		Short: "Serve simulated Junos routers over NETCONF/SSH on consecutive ports",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if password == "" {
				return &exitError{code: 2, err: fmt.Errorf("sim junos: --password is required")}
			}
			f, err := sim.NewFleet(sim.FleetOptions{
				Devices:    devices,
				Listen:     listen,
				NamePrefix: prefix,
				Template: sim.Options{
					User: user, Password: password, Model: model, Version: version,
					Ports: ports, CommitDelay: commitDelay, DisableBase11: noBase11,
				},
			})
			if err != nil {
				return fmt.Errorf("sim junos: %w", err)
			}
			defer f.Close()
			out := cmd.OutOrStdout()
			for _, d := range f.Devices() {
				fmt.Fprintf(out, "%s\t%s\tloopback %s\n", d.Name(), d.Addr(), d.Loopback())
			}
			fmt.Fprintf(out, "%d Junos devices ready (user %q); interrupt to stop\n", devices, user)
			<-cmd.Context().Done()
			// What each device committed, for whoever ran the simulators (xprov bench).
			for _, d := range f.Devices() {
				fmt.Fprintf(out, "%s\tcommits %d\n", d.Name(), d.Commits())
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&devices, "devices", 3, "number of devices")
	fl.StringVar(&listen, "listen", "127.0.0.1:8300", "address of the first device; device i listens on port+i")
	fl.StringVar(&user, "user", "lab", "login user")
	fl.StringVar(&password, "password", "", "login password (required)")
	fl.StringVar(&model, "model", "MX480", "hardware model")
	fl.StringVar(&version, "version", "21.4R3-S5.4", "Junos release")
	fl.IntVar(&ports, "ports", 10, "physical ports per device")
	fl.StringVar(&prefix, "name-prefix", "pe", "device names are prefix1, prefix2, ...")
	fl.DurationVar(&commitDelay, "commit-delay", 0, "time every commit takes")
	fl.BoolVar(&noBase11, "no-base11", false, "do not advertise base:1.1 (no chunked framing)")
	return cmd
}

func init() { simCmd.AddCommand(simJunosCmd()) }
