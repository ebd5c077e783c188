// Package sim is a Junos NETCONF simulator: an SSH server (golang.org/x/crypto/ssh) that offers
// the netconf subsystem and behaves like a Junos router for provisioning and troubleshooting
// clients.
//
// Each Device listens on its own address and keeps its state in memory: a running and a
// candidate configuration tree, per-session locks, a confirmed commit that rolls itself back at
// its deadline (as Junos documents it, the end of its session does not roll it back: a later
// commit from any session confirms it, rollback 1 and a commit undo it), a rollback history and
// an operational model derived from the configuration and the fleet's other devices. It speaks
// the standard RFC 6241 operations (get-config with subtree filters, edit-config, validate,
// commit incl. confirmed commits, discard-changes, lock, unlock, close-session, kill-session)
// and the Junos RPCs a provisioning system uses (load-configuration, commit-configuration,
// get-configuration, open-configuration, get-system-information, get-chassis-inventory,
// get-interface-information, get-commit-information, command). The command RPC answers the
// operational commands packs' ops send (show l2circuit connections, show vpls connections, show
// mvpn instance, show route table, show bgp summary, ping) in Junos' layout (opscli.go).
// base:1.0 end-of-message framing is used unless both sides advertise base:1.1, in which case
// the session switches to chunked framing after the hello.
//
// What the simulator accepts is decided by the Junos device model (adapters/junos/model), as
// Junos' own schema decides it: a load or edit-config naming a statement the model does not
// know is refused with "syntax error" (bad-element names it), a value of the wrong type or out
// of range with the reason ("Value 9999 is not within range (1..4094)"), both with the
// [edit ...] error-path and before the candidate changes; set lines are read with the model
// (which word is a list key, a value, a statement the CLI does not name). The commit check
// adds the model's mandatory and mutually exclusive statements to the service rules: referenced
// logical interfaces must exist, a port carries no duplicate VLAN IDs, unit encapsulations must
// fit the port, a vrf needs route targets, an l2circuit interface a unique virtual-circuit-id,
// LDP VPLS a vpls-id and BGP VPLS a route distinguisher and targets, routing protocols run only
// in forwarding instances, an external BGP peer needs its AS, PIM interfaces belong to their
// instance, MVPN needs a vrf (and a lo0 unit with PIM) and a provider tunnel needs MVPN.
// Failures come back as rpc-error elements shaped as Junos shapes them (nested in
// load-configuration-results or commit-results for the Junos RPCs).
//
// A device costs in proportion to a change, not to the configuration it holds, as a real
// router does: configurations are persistent trees whose versions (running, candidate,
// private copies, the 50 rollback entries) share every subtree a change did not touch, and
// list entries are found by key. A lock, a discard, a commit or a rollback moves a pointer,
// an edit copies only the paths it touches, a subtree filter looks its entries up, and the
// commit check looks only at what the candidate changes (with what that is compared to),
// through an index of the running configuration kept up to date by each commit. A running
// configuration stored without a check (Device.LoadSet) may be invalid; until a commit
// passes a full check again, commit checks then look at the whole candidate.
//
// Faults can be injected per device (Device.Inject, or over HTTP with Fleet.ControlHandler):
// refuse logins, make the device unreachable, drop the session in the middle of the next
// commit or at a given RPC, fail the next commit with a message, and add latency to every reply
// or commit. A Fleet starts many devices on consecutive ports; a device costs one listener and
// a few kilobytes. With FleetOptions.StateFile the fleet keeps its running configurations
// across restarts (state.go).
package sim
