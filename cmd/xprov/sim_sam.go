package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/xprov/xprov/adapters/sam/sim"
)

func init() {
	var o sim.Options
	var listen string
	cmd := &cobra.Command{
		Use:   "sam",
		Short: "Run a simulated 5620 SAM (SAM-O over SOAP) managing N 7750 SR nodes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s := sim.New(o)
			if err := s.Start(listen); err != nil {
				return err
			}
			defer s.Close()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "SAM simulator listening on %s\n", s.URL())
			fmt.Fprintf(out, "SAM-O endpoint: %s\n", s.InvokeURL())
			fmt.Fprintf(out, "WSDL: %s\n", s.WSDLURL())
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
	f.StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&o.User, "user", "admin", "SAM-O user")
	f.StringVar(&o.Password, "password", "admin", "SAM-O password")
	f.DurationVar(&o.Latency, "latency", 0, "delay added to every reply")
	f.IntVar(&o.FaultStatus, "fault-status", 500, "HTTP status of SOAP faults (500 or 200)")
	simCmd.AddCommand(cmd)
}
