package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/xprov/xprov/adapters/sam/sim"
)

// samPasswordEnv names the environment variable holding the SAM simulator's SAM-O password
// (for `xprov sim sam` and `xprov sim sam fault`): a password on the command line is visible
// to every user of the machine.
const samPasswordEnv = "XPROV_SAM_PASSWORD"

func init() {
	var o sim.Options
	var listen string
	var password string
	cmd := &cobra.Command{
		Use:   "sam",
		Short: "Run a simulated 5620 SAM (SAM-O over SOAP) managing N 7750 SR nodes",
		Long: `Run a simulated 5620 SAM (SAM-O over SOAP) managing N 7750 SR nodes.

The SAM-O password comes from the environment variable ` + samPasswordEnv + ` (default "admin").
With --state FILE the simulator keeps what it is configured with in FILE and loads it at
start. Faults are injected from outside with "xprov sim sam fault" (the control endpoint
/control/faults).`,
		Example: `  XPROV_SAM_PASSWORD=s3cret xprov sim sam --nodes 3 --state sam-state.json
  XPROV_SAM_PASSWORD=s3cret xprov sim sam fault --url http://127.0.0.1:8090 --method find --nth 2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Password = os.Getenv(samPasswordEnv)
			if password != "" { // deprecated --password
				o.Password = password
			}
			errOut := cmd.ErrOrStderr()
			o.OnSaveError = func(err error) { fmt.Fprintln(errOut, err) }
			s := sim.New(o)
			if err := s.Restore(); err != nil {
				return &exitError{code: 2, err: err}
			}
			if err := s.Start(listen); err != nil {
				return err
			}
			defer s.Close()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "SAM simulator listening on %s\n", s.URL())
			fmt.Fprintf(out, "SAM-O endpoint: %s\n", s.InvokeURL())
			fmt.Fprintf(out, "WSDL: %s\n", s.WSDLURL())
			fmt.Fprintf(out, "fault control: %s/control/faults\n", s.URL())
			if o.StateFile != "" {
				fmt.Fprintf(out, "state file: %s\n", o.StateFile)
			}
			for _, n := range s.Nodes() {
				fmt.Fprintf(out, "node %s system %s ports %s..%s\n", n.Name, n.Address, n.Ports[0], n.Ports[len(n.Ports)-1])
			}
			<-cmd.Context().Done()
			// For whoever ran the simulator (xprov bench).
			fmt.Fprintf(out, "requests %d\n", s.Requests())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Nodes, "nodes", 3, "number of simulated 7750 SR nodes (sr1..srN)")
	f.IntVar(&o.PortsPerNode, "ports", 10, "physical ports per node")
	f.StringVar(&listen, "listen", "127.0.0.1:8090", "address to listen on")
	f.StringVar(&o.User, "user", "admin", "SAM-O user (the password is $"+samPasswordEnv+")")
	f.StringVar(&password, "password", "", "SAM-O password")
	_ = f.MarkDeprecated("password", "set "+samPasswordEnv+" instead (a command line is visible to every user)")
	f.StringVar(&o.StateFile, "state", "", "keep the configured objects in this file and load it at start")
	f.DurationVar(&o.Latency, "latency", 0, "delay added to every reply")
	f.IntVar(&o.FaultStatus, "fault-status", 500, "HTTP status of SOAP faults (500 or 200)")
	cmd.AddCommand(simSAMFaultCmd())
	simCmd.AddCommand(cmd)
}

// simSAMFaultCmd injects faults into a running SAM simulator through its control endpoint.
func simSAMFaultCmd() *cobra.Command {
	var (
		url, user                  string
		fault                      sim.Fault
		delay, latency             time.Duration
		unreachable, reachable     bool
		busy, notBusy, list, clear bool
	)
	cmd := &cobra.Command{
		Use:   "fault",
		Short: "Inject a fault into a running SAM simulator (or --list, --clear)",
		Long: `Inject a fault into a running SAM simulator through its control endpoint
(/control/faults, authenticated with the SAM-O user and $` + samPasswordEnv + `):

  a SOAP fault on the n-th matching call   --method M --nth N [--count C] [--message S] [--server] [--apply]
  a slow reply                             --method M --nth N --delay 5s
  a connection cut mid-call                --method M --nth N --drop [--apply]
  the whole SAM unreachable / reachable    --unreachable / --reachable
  every call answered "server busy"        --busy / --not-busy
  every reply delayed                      --latency 200ms

It prints the faults in force afterwards.`,
		Example: `  xprov sim sam fault --url http://127.0.0.1:8090 --method generic.GenericObject.configureChildInstance --nth 2 --message "deploy failed"
  xprov sim sam fault --url http://127.0.0.1:8090 --unreachable
  xprov sim sam fault --url http://127.0.0.1:8090 --clear`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			method, body := http.MethodPost, []byte(nil)
			switch {
			case list:
				method = http.MethodGet
			case clear:
				method = http.MethodDelete
			default:
				if delay > 0 {
					fault.Delay = delay.String()
				}
				injects := false
				for _, n := range []string{"method", "nth", "count", "message", "server", "apply", "drop", "delay"} {
					injects = injects || cmd.Flags().Changed(n)
				}
				global := false
				for _, n := range []string{"unreachable", "reachable", "busy", "not-busy", "latency"} {
					global = global || cmd.Flags().Changed(n)
				}
				if global && !injects {
					fault.Nth, fault.Count = 0, 0 // only the simulator-wide change
				}
				if cmd.Flags().Changed("latency") {
					fault.Latency = latency.String()
				}
				t, f := true, false
				switch {
				case unreachable:
					fault.Unreachable = &t
				case reachable:
					fault.Unreachable = &f
				}
				switch {
				case busy:
					fault.Busy = &t
				case notBusy:
					fault.Busy = &f
				}
				var err error
				if body, err = json.Marshal(fault); err != nil {
					return err
				}
			}
			req, err := http.NewRequestWithContext(cmd.Context(), method, strings.TrimRight(url, "/")+"/control/faults", bytes.NewReader(body))
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("sim sam fault: %w", err)}
			}
			pw := os.Getenv(samPasswordEnv)
			if pw == "" {
				pw = "admin"
			}
			req.SetBasicAuth(user, pw)
			req.Header.Set("Content-Type", "application/json")
			resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
			if err != nil {
				return fmt.Errorf("sim sam fault: %w", err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			if resp.StatusCode != http.StatusOK {
				return &exitError{code: 2, err: fmt.Errorf("sim sam fault: %s: %s", resp.Status, strings.TrimSpace(string(b)))}
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&url, "url", "http://127.0.0.1:8090", "the simulator's base URL")
	f.StringVar(&user, "user", "admin", "SAM-O user (the password is $"+samPasswordEnv+")")
	f.StringVar(&fault.Method, "method", "", "SAM-O method to fail (find, generic.GenericObject.configureChildInstance, ...; empty: any)")
	f.IntVar(&fault.Nth, "nth", 1, "the matching call, counted from now, that fails first")
	f.IntVar(&fault.Count, "count", 1, "consecutive matching calls that fail (negative: all until --clear)")
	f.StringVar(&fault.Message, "message", "", "the fault's description")
	f.BoolVar(&fault.Server, "server", false, "faultcode SOAP:Server rather than SOAP:Client")
	f.BoolVar(&fault.Apply, "apply", false, "the call takes effect before it fails (a reply lost)")
	f.BoolVar(&fault.Drop, "drop", false, "cut the connection instead of answering")
	f.DurationVar(&delay, "delay", 0, "hold the reply back this long instead of failing")
	f.BoolVar(&unreachable, "unreachable", false, "drop every call until --reachable or --clear")
	f.BoolVar(&reachable, "reachable", false, "end --unreachable")
	f.BoolVar(&busy, "busy", false, "answer every call with a server-busy fault")
	f.BoolVar(&notBusy, "not-busy", false, "end --busy")
	f.DurationVar(&latency, "latency", 0, "delay every reply")
	f.BoolVar(&list, "list", false, "only list the faults in force")
	f.BoolVar(&clear, "clear", false, "remove every fault")
	cmd.MarkFlagsMutuallyExclusive("list", "clear")
	cmd.MarkFlagsMutuallyExclusive("unreachable", "reachable")
	cmd.MarkFlagsMutuallyExclusive("busy", "not-busy")
	return cmd
}
