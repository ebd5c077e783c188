package server

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/junos"
	junossim "github.com/xprov/xprov/adapters/junos/sim"
	"github.com/xprov/xprov/adapters/sam"
	samsim "github.com/xprov/xprov/adapters/sam/sim"
)

// southbound is the demo's network: targets for the engine and what stops the simulators.
type southbound struct {
	targets []adapters.Target
	close   func() error
	banner  func(w io.Writer)
	// secrets are the credentials of the simulated network, in every form they travel in.
	secrets []string
}

// startDemo starts pe1..pe3 (simulated Junos, NETCONF over SSH) and sam1 (a simulated 5620
// SAM managing sr1..sr3) on free loopback ports, with a random password, and returns the real
// adapters pointed at them. The Junos devices keep their configurations in junosState and the
// SAM its objects in samState (both beside the database), so a restarted demo finds on them
// what its store says it put there. With samPassword (from $XPROV_SAM_PASSWORD) the SAM uses
// it, so that whoever runs the demo can inject faults with `xprov sim sam fault`; otherwise it
// shares the routers' random password.
func startDemo(log *slog.Logger, junosState, samState, samPassword string) (*southbound, error) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	password := hex.EncodeToString(b[:])
	samPass := password
	if samPassword != "" {
		samPass = samPassword
	}
	fleet, err := junossim.NewFleet(junossim.FleetOptions{Devices: 3, Listen: "127.0.0.1:0", NamePrefix: "pe",
		Template: junossim.Options{User: "lab", Password: password, Ports: 10}, StateFile: junosState})
	if err != nil {
		return nil, fmt.Errorf("server: demo junos simulators: %w", err)
	}
	samSrv := samsim.New(samsim.Options{Nodes: 3, PortsPerNode: 10, User: "admin", Password: samPass, Customers: []int{1, 2, 3, 42},
		StateFile: samState, OnSaveError: func(err error) { log.Error("demo SAM state not saved", "err", err) }})
	if err := samSrv.Restore(); err != nil {
		fleet.Close()
		return nil, fmt.Errorf("server: demo SAM simulator: %w (move the file away to start with an empty SAM)", err)
	}
	if err := samSrv.Start("127.0.0.1:0"); err != nil {
		fleet.Close()
		return nil, fmt.Errorf("server: demo SAM simulator: %w", err)
	}
	digest := md5.Sum([]byte(samPass)) // SAM-O sends the password as its MD5 digest
	sb := &southbound{close: func() error { return errors.Join(samSrv.Close(), fleet.Close()) },
		secrets: []string{password, hex.EncodeToString(digest[:])}}
	if samPass != password {
		sb.secrets = append(sb.secrets, samPass)
	}
	for _, d := range fleet.Devices() {
		// The simulators' host keys are generated at start; a lab has no known_hosts for them.
		c, err := junos.New(junos.Config{Name: d.Name(), Address: d.Addr(), User: "lab", Password: password, InsecureIgnoreHostKey: true})
		if err != nil {
			sb.close()
			return nil, fmt.Errorf("server: demo device %s: %w", d.Name(), err)
		}
		sb.targets = append(sb.targets, c)
	}
	t, err := sam.New(sam.Options{Name: "sam1", URL: samSrv.InvokeURL(), User: "admin", Password: samPass})
	if err != nil {
		sb.close()
		return nil, fmt.Errorf("server: demo sam: %w", err)
	}
	sb.targets = append(sb.targets, t)
	sb.banner = func(w io.Writer) {
		fmt.Fprintln(w, "demo network (simulated, in this process):")
		for _, d := range fleet.Devices() {
			fmt.Fprintf(w, "  %s  Junos %s  NETCONF %s  loopback %s\n", d.Name(), d.Options().Model, d.Addr(), d.Loopback())
		}
		fmt.Fprintf(w, "  sam1 5620 SAM  %s  (state %s)\n", samSrv.URL(), samState)
		if samPassword != "" {
			fmt.Fprintf(w, "    faults: XPROV_SAM_PASSWORD=... xprov sim sam fault --url %s ...\n", samSrv.URL())
		}
		for _, n := range samSrv.Nodes() {
			fmt.Fprintf(w, "    %s  7750 SR  system %s  ports %s..%s\n", n.Name, n.Address, n.Ports[0], n.Ports[len(n.Ports)-1])
		}
	}
	log.Info("demo network started", "junos", len(fleet.Devices()), "sr", len(samSrv.Nodes()))
	return sb, nil
}
