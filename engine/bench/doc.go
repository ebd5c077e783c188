// Package bench measures xprov end to end. `xprov bench` runs it.
//
// Run drives the product the way users do: it starts the Junos and SAM simulators and the
// server (`xprov sim junos`, `xprov sim sam`, `xprov serve`) as child processes on loopback,
// the server configured with an inventory pointing at the simulators exactly as a lab would
// be, and N concurrent REST clients (ui/client, one token each) create, then modify, then
// delete services of the bundled packs, with Juniper and Nokia endpoints spread over every
// device. It reports, per phase, services per second, latency percentiles and CPU per service
// of the server and of the simulators separately; the server's peak memory; the database's
// size per service after a WAL checkpoint; device commits; failed requests; and it checks
// that the devices hold no service configuration afterwards.
//
// RunBulk is the older engine-only view: the engine's bulk path in this process with the
// simulators as goroutines.
package bench
