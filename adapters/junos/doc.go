// Package junos is the adapter for Juniper routers reached directly over NETCONF (RFC 6241
// over SSH, RFC 6242). It implements adapters.Target on github.com/Juniper/go-netconf and
// golang.org/x/crypto/ssh.
//
// It uses the standard NETCONF operations wherever they suffice (get-config with subtree
// filters, edit-config on the candidate, validate, commit with confirmed/confirm-timeout,
// discard-changes, lock, unlock), so transactions, Fetch and Render also work against any RFC
// 6241 server with a candidate datastore; Junos-only RPCs are used when the server advertises
// the Junos capability (commit-configuration for commit check and commit comments,
// load-configuration rollback, the discovery RPCs and the command RPC).
//
// A transaction on a device is: lock the candidate, load the change set (XML produced with
// encoding/xml from the structured changes), commit check, commit confirmed; then the
// confirming commit and unlock, or, on rollback, discard-changes and unlock before the
// confirmed commit, or rollback 1 and commit after it.
//
// A confirmed commit on Junos outlives its session: Junos documents only the automatic
// rollback at the confirm deadline, so a confirmed commit whose session dropped (or whose
// process crashed) stays pending, and running holds a change that will vanish by itself. The
// adapter never assumes it vanished (pending.go): a transaction whose session ended confirms it
// (Commit) or undoes it (Rollback) on a new session, and a confirmed commit of xprov's user
// left by an ended session is confirmed when a new session first reads or prepares, so that
// what the engine's recovery reads is stable. Other NETCONF servers roll a confirmed commit
// back when its session ends (RFC 6241 §8.4.1), as the adapter assumes for them.
//
// go-netconf v0.1.1 has traps this package works around (PROTOCOLS.md §0 and §3):
//   - RPCReply.Ok is never set: the adapter looks for <ok/> itself.
//   - rpc-error elements nested in load-configuration-results or commit-results are not
//     reported: the adapter searches the whole reply for rpc-error and xnm:error.
//   - a hello it cannot parse leaves SessionID at 0 without an error: the adapter treats that
//     as a failed handshake.
//   - there is no read timeout unless DialSSHTimeout is used, and none per call: the adapter
//     puts a deadline on every read and write as DialSSHTimeout does, and bounds every call
//     itself, closing the session on timeout.
//   - only end-of-message framing is supported and the client hello only offers base:1.0, so
//     servers never switch to chunked framing: the adapter brings its own netconf.Transport
//     (transport.go) that offers base:1.1 and speaks RFC 6242 chunked framing when the server
//     offers it too (Config.DisableBase11 keeps end-of-message framing), with a bound on the
//     size of a reply. It also replaces DialSSHTimeout, keeping its per-I/O deadlines and
//     keepalives.
package junos

// The Junos device model registers itself with adapters/model when this package is linked in,
// so a process that can talk to Junos devices checks what packs render for them (pack.Render).
import _ "github.com/xprov/xprov/adapters/junos/model"
