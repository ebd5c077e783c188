package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
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
		passwordEnv string
		model       string
		version     string
		ports       int
		prefix      string
		commitDelay time.Duration
		noBase11    bool
		stateFile   string
		control     string
	)
	cmd := &cobra.Command{
		Use:   "junos",
		Short: "Serve simulated Junos routers over NETCONF/SSH on consecutive ports",
		Long: `Serve simulated Junos routers over NETCONF/SSH on consecutive ports.

The login password comes from the environment variable named by --password-env
(XPROV_SIM_PASSWORD by default), so that it does not show in the process list. --state FILE
keeps the devices' running configurations across restarts. --control ADDR serves the fault
injection endpoint (see "xprov sim junos fault") on a loopback address.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if password == "" {
				password = os.Getenv(passwordEnv)
			}
			if password == "" {
				return &exitError{code: 2, err: fmt.Errorf("sim junos: set the login password in $%s", passwordEnv)}
			}
			var ctl net.Listener
			if control != "" {
				host, _, err := net.SplitHostPort(control)
				if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
					return &exitError{code: 2, err: fmt.Errorf("sim junos: --control %q: give a loopback address (the endpoint has no authentication)", control)}
				}
				if ctl, err = net.Listen("tcp", control); err != nil {
					return fmt.Errorf("sim junos: control endpoint: %w", err)
				}
				defer ctl.Close()
			}
			f, err := sim.NewFleet(sim.FleetOptions{
				Devices:    devices,
				Listen:     listen,
				NamePrefix: prefix,
				StateFile:  stateFile,
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
			if ctl != nil {
				srv := &http.Server{Handler: f.ControlHandler(), ReadHeaderTimeout: 10 * time.Second}
				go func() { _ = srv.Serve(ctl) }()
				defer srv.Close()
				fmt.Fprintf(out, "control endpoint http://%s/devices\n", ctl.Addr())
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
	fl.StringVar(&passwordEnv, "password-env", "XPROV_SIM_PASSWORD", "environment variable holding the login password")
	fl.StringVar(&password, "password", "", "login password")
	_ = fl.MarkDeprecated("password", "it shows in the process list; set the password in $XPROV_SIM_PASSWORD (or --password-env)")
	fl.StringVar(&model, "model", "MX480", "hardware model")
	fl.StringVar(&version, "version", "21.4R3-S5.4", "Junos release")
	fl.IntVar(&ports, "ports", 10, "physical ports per device")
	fl.StringVar(&prefix, "name-prefix", "pe", "device names are prefix1, prefix2, ...")
	fl.DurationVar(&commitDelay, "commit-delay", 0, "time every commit takes")
	fl.BoolVar(&noBase11, "no-base11", false, "do not advertise base:1.1 (no chunked framing)")
	fl.StringVar(&stateFile, "state", "", "keep the devices' running configurations in this file across restarts")
	fl.StringVar(&control, "control", "", "serve the fault injection endpoint on this loopback address (e.g. 127.0.0.1:8399)")
	cmd.AddCommand(simJunosFaultCmd(), simJunosStatusCmd())
	return cmd
}

// simJunosFaultCmd injects a fault through a running simulator's control endpoint.
func simJunosFaultCmd() *cobra.Command {
	var control string
	cmd := &cobra.Command{
		Use:   "fault DEVICE FAULT [ARG]",
		Short: "Inject a fault into a simulated Junos device (through --control of \"xprov sim junos\")",
		Long: `Inject a fault into a simulated Junos device through the control endpoint of a running
"xprov sim junos --control ADDR":

  commit-error MESSAGE   the next commit (or commit check) fails with MESSAGE
  drop-commit            the next commit applies, then the session drops before the reply
  drop-rpc RPC           the session drops when the next RPC named RPC arrives (edit-config, lock, ...)
  delay DURATION         every reply waits DURATION (0s ends it)
  commit-delay DURATION  every commit takes DURATION
  unreachable on|off     sessions end and connections close before SSH
  refuse-login on|off    logins are refused
  clear                  every fault ends`,
		Example: `  xprov sim junos fault --control 127.0.0.1:8399 pe1 commit-error "mgd: disk full"
  xprov sim junos fault --control 127.0.0.1:8399 pe2 unreachable on`,
		Args: cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := sim.Fault{Fault: args[1]}
			arg := ""
			if len(args) == 3 {
				arg = args[2]
			}
			switch f.Fault {
			case "commit-error":
				f.Message = arg
			case "drop-rpc":
				f.RPC = arg
			case "delay", "commit-delay":
				f.Duration = arg
			case "unreachable", "refuse-login":
				if arg != "on" && arg != "off" {
					return &exitError{code: 2, err: fmt.Errorf("sim junos fault: %s takes on or off", f.Fault)}
				}
				f.On = arg == "on"
			}
			body, err := json.Marshal(f)
			if err != nil {
				return err
			}
			_, err = controlCall(cmd.Context(), http.MethodPost, control, "/devices/"+args[0]+"/faults", body)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", args[0], strings.Join(args[1:], " "))
			return nil
		},
	}
	cmd.Flags().StringVar(&control, "control", "127.0.0.1:8399", "the simulator's control endpoint (host:port)")
	return cmd
}

// simJunosStatusCmd prints the devices of a running simulator.
func simJunosStatusCmd() *cobra.Command {
	var control string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the simulated Junos devices (through --control of \"xprov sim junos\")",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := controlCall(cmd.Context(), http.MethodGet, control, "/devices", nil)
			if err != nil {
				return err
			}
			var st []sim.DeviceStatus
			if err := json.Unmarshal(b, &st); err != nil {
				return fmt.Errorf("sim junos status: %w", err)
			}
			out := cmd.OutOrStdout()
			for _, d := range st {
				fmt.Fprintf(out, "%s\t%s\tloopback %s\tcommits %d\tsessions %d\tpending-confirm %v\tunreachable %v\n",
					d.Name, d.Address, d.Loopback, d.Commits, d.Sessions, d.PendingConfirm, d.Unreachable)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&control, "control", "127.0.0.1:8399", "the simulator's control endpoint (host:port)")
	return cmd
}

func controlCall(ctx context.Context, method, control, path string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+control+path, rd)
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("sim junos: --control %q: %w", control, err)}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sim junos: control endpoint %s: %w", control, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("sim junos: control endpoint %s: %w", control, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, errors.New("sim junos: " + strings.TrimSpace(string(b)))
	}
	return b, nil
}

func init() { simCmd.AddCommand(simJunosCmd()) }
