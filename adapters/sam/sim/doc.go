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
// sent with HTTP 500 (or 200, see Options.FaultStatus), and Server.Inject makes requests
// fail on purpose.
//
// Every request costs in proportion to what it touches, not to the size of the database: a
// find with an equality on objectFullName or on an indexed attribute (the naming attributes
// of each class, serviceId, siteId, displayedName) reads its candidates from an index, and
// creates, modifications and deletes check references and keep the indexes with map
// lookups. Only a find without such an equality scans its class. Server.Create loads a
// large database without SOAP.
package sim
