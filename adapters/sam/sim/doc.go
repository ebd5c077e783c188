// Package sim is a simulated 5620 SAM speaking SAM-O (SOAP 1.1, namespace "xmlapi_1.0") over
// HTTP, for tests, demos and benchmarks of the SAM adapter: ping, version, find (with the
// filter and resultFilter vocabulary of the XML API), and
// generic.GenericObject.configureChildInstance, configureInstance and deleteInstance on the
// classes of the SAM-O class model (adapters/sam/model: the model the adapter plans with and
// `xprov pack test` checks against).
//
// It refuses what a SAM refuses, with the model: unknown classes and attributes, values of
// the wrong type, out of range or not in the enum, missing required attributes, changes to
// fixed attributes, a child below the wrong parent class, references to objects that do not
// exist (a QoS policy, a customer, PIM's interface) and deleting an object still referred
// to; and with its own state: duplicate service ids and encapsulations, sites on unmanaged
// nodes, SAPs and interfaces on missing ports, malformed or hostile XML. A validation fault
// names the class, the property and the value (className, propertyName, propertyValue in
// the fault detail). Faults are SOAP 1.1 faults
// sent with HTTP 500 (or 200, see Options.FaultStatus).
//
// Faults come from Go (Server.Inject, SetBusy, SetLatency, SetUnreachable) or from outside,
// through the control endpoint /control/faults (GET lists, POST adds a Fault, DELETE clears;
// HTTP basic authentication with the SAM-O credentials), which `xprov sim sam fault` drives:
// a SOAP fault on the n-th matching call, a delayed reply, a connection cut mid-call, the
// whole SAM unreachable or busy.
//
// With Options.StateFile the simulator keeps its configured objects in a JSON file, rewritten
// atomically after every change, and Restore loads it at start with the checks of a create.
//
// script.ScriptManager.executeCli answers operational SR OS commands per node from the
// objects held (cli.go): show service id N base, show router N route-table, oam sdp-ping,
// ping.
//
// Every request costs in proportion to what it touches, not to the size of the database: a
// find with an equality on objectFullName or on an indexed attribute (the naming attributes
// of each class, serviceId, siteId, displayedName) reads its candidates from an index, and
// creates, modifications and deletes check references and keep the indexes with map
// lookups. Only a find without such an equality scans its class. Server.Create loads a
// large database without SOAP.
package sim
