// Command xprov is the one binary of the xprov provisioning engine: the server, the simulators,
// the pack designer's tools and the REST client commands. It is thin: flags to packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
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

// cpuProfile starts a CPU profile into the file XPROV_CPUPROFILE names, when set, and returns
// the function that ends it (xprov bench --profile sets it for the server and simulators).
func cpuProfile() func() {
	path := os.Getenv("XPROV_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "xprov: XPROV_CPUPROFILE:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "xprov: XPROV_CPUPROFILE:", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	endProfile := cpuProfile()
	err := rootCmd.ExecuteContext(ctx)
	endProfile()
	if err != nil {
		fmt.Fprintln(os.Stderr, "xprov:", err)
		var ee *exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(1)
	}
}
