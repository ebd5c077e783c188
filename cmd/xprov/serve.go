package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/ui/server"
)

func serveCmd() *cobra.Command {
	var (
		db, listen, packs, configFile, logLevel string
		tlsCert, tlsKey                         string
		demo                                    bool
		grace                                   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the xprov server: REST API, web console, engine (--demo: with simulated devices)",
		Example: `  xprov serve --demo
  xprov serve --demo --tls-cert cert.pem --tls-key key.pem
  XPROV_PE1_PASSWORD=... xprov serve --config xprov.json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var cfg server.Config
			if configFile != "" {
				var err error
				if cfg, err = server.LoadConfig(configFile); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
			}
			// Flags override the file.
			if cmd.Flags().Changed("db") || cfg.DB == "" {
				cfg.DB = db
			}
			if cmd.Flags().Changed("listen") || cfg.Listen == "" {
				cfg.Listen = listen
			}
			if cmd.Flags().Changed("packs") || cfg.Packs == "" {
				cfg.Packs = packs
			}
			if cmd.Flags().Changed("tls-cert") || cmd.Flags().Changed("tls-key") {
				cfg.TLSCert, cfg.TLSKey = tlsCert, tlsKey
			}
			if cfg.DB == "" && demo {
				cfg.DB = "xprov-demo.db"
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			log := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			ctx := cmd.Context()
			in, err := server.Start(ctx, server.Options{Config: cfg, Demo: demo, Logger: log, Out: cmd.OutOrStdout()})
			if errors.Is(err, syscall.EADDRINUSE) {
				return &exitError{code: exitUsage, err: fmt.Errorf("%w\n%s is in use (another xprov serve?); pick another address with --listen HOST:PORT (or \"listen\" in --config)", err, cfg.Listen)}
			}
			if err != nil {
				return err
			}
			werr := in.Wait(ctx)
			log.Info("shutting down", "grace", grace.String())
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
			defer cancel()
			if err := in.Shutdown(sctx); err != nil {
				log.Warn("shutdown", "err", err)
			}
			return werr
		},
	}
	f := cmd.Flags()
	f.StringVar(&db, "db", "", "SQLite file (default xprov.db, xprov-demo.db with --demo)")
	f.StringVar(&listen, "listen", "127.0.0.1:8080", "HTTP address")
	f.StringVar(&packs, "packs", "", "packs directory (default: the bundled flexservices)")
	f.StringVar(&configFile, "config", "", "JSON config: listen, db, packs, tls_cert, tls_key, devices, sams, known_hosts, http (timeouts)")
	f.StringVar(&tlsCert, "tls-cert", "", "PEM certificate (chain): serve HTTPS (with --tls-key)")
	f.StringVar(&tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	f.BoolVar(&demo, "demo", false, "start simulated Junos routers and a simulated SAM with SR nodes")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.DurationVar(&grace, "grace", 30*time.Second, "how long shutdown waits for runs in flight")
	f.SetOutput(os.Stderr)
	return cmd
}

func init() { rootCmd.AddCommand(serveCmd()) }
