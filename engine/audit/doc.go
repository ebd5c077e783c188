// Package audit compares what services own with what their targets hold, at scale.
//
// An audit job audits a scope (one service, the services on a device, those a filter selects,
// or every service) in the background. It reads each target once, whatever the number of
// services on it: the union of the nodes the services in scope own there, with one
// adapters.Target.Fetch (many nodes under one container are read as that container). What the
// target holds is then compared with each service's owned leaves, and every difference is
// attributed to the service that owns the node:
//
//   - missing: an owned node the target does not hold (only the top-most of a missing subtree
//     is listed);
//   - changed: an owned leaf holding another value;
//   - extra: a node on the target that nobody owns, below a list entry that one service alone
//     owns (a "disable" added by hand under a service's unit). Nodes below entries several
//     owners share (a port) are not attributed to any of them.
//
// A target that cannot be read makes its services "unknown", never drifted. Every path is a
// string (config.Path.String). A service found drifted is audited again on its own after the
// pass: when it changed meanwhile (a request recorded a new version), the second look decides,
// so a request in flight during an audit is not reported as drift.
//
// Jobs, their per-service results and schedules are kept in the store (store.AuditJobs); each
// result also becomes the service's latest outcome (store.AuditResults), which compliance
// reports count.
package audit
