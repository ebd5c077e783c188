// Command xprov is the one binary of the xprov provisioning engine: the server, the simulators,
// the pack designer's tools and the REST client commands. It is thin: flags to packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// exitError carries a process exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

var rootCmd = &cobra.Command{
	Use:           "xprov",
	Short:         "xprov — multivendor service provisioning engine",
	SilenceUsage:  true,
	SilenceErrors: true,
}

// simCmd groups the device and NMS simulators (`xprov sim junos`, `xprov sim sam`).
var simCmd = &cobra.Command{
	Use:   "sim",
	Short: "Run simulated devices (Junos NETCONF) or a simulated 5620 SAM",
}

func init() {
	rootCmd.AddCommand(simCmd)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "xprov:", err)
		var ee *exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(1)
	}
}
