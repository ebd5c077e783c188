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
// and refuses a pack value that contradicts the key). Supported classes:
//
//	class                   parent                          key                   naming properties
//	epipe.Epipe             (top)                           <serviceId>           serviceId
//	vpls.Vpls               (top)                           <serviceId>           serviceId
//	vprn.Vprn               (top)                           <serviceId>           serviceId
//	epipe.Site              epipe.Epipe                     <node system IP>      siteId
//	vpls.Site               vpls.Vpls                       <node system IP>      siteId
//	vprn.Site               vprn.Vprn                       <node system IP>      siteId
//	vll.L2AccessInterface   epipe.Site                      <port>[:<vlan>[.<inner>]] portName, innerEncapValue, outerEncapValue
//	vpls.L2AccessInterface  vpls.Site                       <port>[:<vlan>[.<inner>]] portName, innerEncapValue, outerEncapValue
//	svt.SpokeSdpBinding     epipe.Site, vpls.Site, vprn.Site <far-end IP>:<vcId>  tunnelSelectionTerminationSiteId, vcId
//	svt.MeshSdpBinding      vpls.Site                       <far-end IP>:<vcId>   tunnelSelectionTerminationSiteId, vcId
//	vprn.L3AccessInterface  vprn.Site                       <interface name>      interfaceName
//	rtr.StaticRoute         vprn.Site                       <prefix a.b.c.d/len>  destination
//	bgp.Peer                vprn.Site                       <neighbour IP>        peerAddress
//	pim.Interface           vprn.Site                       <interface name>      interfaceName
//	mvpn.Mvpn               vprn.Site                       default               (none)
//
// A SAP key "1/1/3:100" is dot1q VLAN 100 (innerEncapValue=100); "1/1/3:100.200" is QinQ
// (outerEncapValue=100, innerEncapValue=200); "1/1/3" is null encapsulation.
//
// Further properties (all values are strings; "" or a Delete resets a property):
//
//	services:  customerId (required, an existing subscr.Subscriber id; fixed after creation),
//	           displayedName, description, administrativeState (up|down), mtu
//	sites:     description, administrativeState
//	vprn.Site: routeDistinguisher (required, asn:n or ip:n), vrfTarget, vrfImportTarget,
//	           vrfExportTarget (target:asn:n), autonomousSystemNumber, routerId,
//	           autoBindType (none|ldp|rsvp-te|gre)
//	SAPs:      description, administrativeState, ingressQosPolicyId, egressQosPolicyId
//	SDP bindings: description, administrativeState (the far end must be a managed node)
//	vprn.L3AccessInterface: portName (required), innerEncapValue, outerEncapValue,
//	           ipAddress (required, a.b.c.d/len), description, administrativeState, mtu
//	rtr.StaticRoute: nextHop (required), preference, description
//	bgp.Peer:  peerAS (required), groupName, description, administrativeState
//	pim.Interface: mode (sparse|ssm), administrativeState (the interface must exist in the site)
//	mvpn.Mvpn: providerTunnel (rsvp-te|ldp-p2mp|ingress-replication|pim-asm), autoDiscovery
//	           (true|false), description
//
// The adapter names objects by FDN itself: svc-mgr:service-<serviceId> for a service,
// <service>:<siteId> for a site, <site>:sap-<port>[:<encap>], <site>:spoke-<far>:<vc>,
// <site>:mesh-<far>:<vc>, <site>:interface-<name>, <site>:static-route-<prefix>,
// <site>:bgp-peer-<ip>, <site>:pim-interface-<name> and <site>:mvpn. (A real SAM numbers
// services with its own database id; the simulator uses the service id.)
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
// and the SOAP method bodies in Extra["samo-xml"]. Op answers "show port [<port>]",
// "show service <id>" and "show services" for one node from SAM's database.
package sam
