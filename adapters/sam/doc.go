// Package sam is the southbound adapter for Nokia/Alcatel-Lucent 7750 SR routers managed by a
// 5620 SAM (NFM-P), speaking SAM-O (SOAP 1.1, namespace "xmlapi_1.0") through the client that
// gowsdl generates from samo/samo.wsdl.
//
// The Target of a change set is the SAM itself, not an SR node: SAM service objects span
// nodes. A Target applies, fetches, discovers and answers ops for every node the SAM manages.
//
// # Object model
//
// Packs render SAM objects as config.Object{Class, Key, Parent, Props}; config.FromObjects
// flattens them to leaves such as
//
//	epipe.Epipe[100]/epipe.Site[10.255.2.1]/vll.L2AccessInterface[1/1/3:100]/innerEncapValue
//
// Every object segment is class[key]; its properties are plain leaves below it. The key stands
// for the object's naming properties (the adapter fills them in when a pack leaves them out,
// and refuses a pack value that contradicts the key).
//
// The classes, their parents, keys, FDNs, properties (types, ranges, enums, required and
// fixed ones) and references are data: the SAM-O class model of package
// adapters/sam/model (file sam.model), rendered for designers as docs/sam-model.md. It covers
// epipe, VPLS, VPRN and IES services with their sites, SAPs, L3 interfaces (IPv4 and IPv6),
// SDP bindings, static routes, BGP peers (with prefix limits), PIM interfaces, static PIM RPs
// and MVPN, and the SAP ingress/egress QoS policies with their queues and policers. The
// same model is what the simulator accepts and what `xprov pack test` checks renderings
// against (adapters/model, vendor "sros").
//
// Before anything is sent, Prepare and Render check every create (all properties, required
// ones, rules) and modify (the values given, fixed properties) against the model and refuse
// the change set as a whole, naming the path, the value and the model path
// (class.property). References between objects order the requests: QoS policies are
// created before, and deleted after, the services whose SAPs name them.
//
// The adapter names objects by FDN itself, with the model's templates: svc-mgr:service-<id>
// for a service, <service>:<siteId> for a site, <site>:sap-<port>[:<encap>], and so on;
// qos-mgr:sap-ingress-<id> for a policy. (A real SAM numbers services with its own database
// id; the simulator uses the service id.)
//
// # Transactions
//
// SAM has no candidate datastore. Prepare applies a change set request by request: deletes
// first, deepest first (a delete under an object deleted too is dropped, SAM deletes
// children with their parent), then creates and modifies, parents first, one request per
// object. Each step records its undo: a created object is deleted; a modified object gets
// its old values back; a deleted object is captured with its whole subtree first and
// recreated in one configureChildInstance. Creating an object that already exists adopts it
// (a service shared by several sites): only differing properties are set and undo restores
// them, never deleting it. When a step fails, the steps of that Prepare are undone at once,
// last first; Rollback undoes the whole transaction in reverse order; Commit forgets the
// list. An undo that fails is reported as adapters.ErrRollbackFailed listing what is left.
//
// # Reads
//
// Every read is one find narrowed to one object by its FDN, so a request costs in proportion
// to the objects it touches, not to the services the SAM holds: Fetch reads each path's
// object with its subtree (the object alone for a property path), Prepare reads the current
// properties of an object it adopts or modifies (without children) and snapshots the subtree
// of an object it deletes. Only Fetch of an empty path (every service) reads whole classes.
//
// # Errors and retries
//
// SOAP faults become *adapters.Error naming the object (Path) with SAM's description (Msg),
// wrapping adapters.ErrRejected, whether the fault came with HTTP 500 or 200; bad credentials
// wrap adapters.ErrUnreachable and ErrAuth, a busy server adapters.ErrUnreachable and ErrBusy.
// Every call has a timeout (Options.CallTimeout). Reads (find) are retried after transient
// failures; writes never are, and a write whose outcome is unknown (timeout, connection cut
// after sending, unreadable reply) wraps adapters.ErrPossiblyApplied. Replies are vetted
// before decoding: size and depth limits, no DTD, no entities.
//
// # Rendering and ops
//
// Render gives one line per SAM request (format "sam-ops"), e.g.
//
//	create epipe.Site[10.255.2.1] under epipe.Epipe[100] {siteId=10.255.2.1}
//
// and the SOAP method bodies in Extra["samo-xml"]. Op answers operational commands for one
// node (see Target.Op).
package sam
