package sim

import (
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters/xmltree"
)

// TestTreap checks the persistent child lists against a map, and that every older version
// stays as it was.
func TestTreap(t *testing.T) {
	tests := []struct {
		name string
		ops  int
		keys int
	}{
		{"small", 50, 5},
		{"dense", 2000, 40},
		{"sparse", 2000, 1500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(tc.ops*31 + tc.keys)))
			type version struct {
				n    *cnode
				want map[string]string
			}
			cur := &cnode{name: "configuration"}
			want := map[string]string{}
			var versions []version
			for i := 0; i < tc.ops; i++ {
				key := fmt.Sprint(rng.Intn(tc.keys))
				id := idOf("unit", kEntry, key)
				if rng.Intn(3) == 0 {
					cur = cur.without(id)
					delete(want, id)
				} else {
					v := fmt.Sprint(i)
					cur = cur.with(&cnode{name: "unit", kind: kEntry, key: key, value: v, seq: seqs.Add(1)})
					want[id] = v
				}
				cp := map[string]string{}
				for k, v := range want {
					cp[k] = v
				}
				versions = append(versions, version{cur, cp})
			}
			for i, v := range versions {
				got := map[string]string{}
				teach(v.n.kids, func(c *cnode) { got[c.id()] = c.value })
				if !reflect.DeepEqual(got, v.want) {
					t.Fatalf("version %d: got %v, want %v", i, got, v.want)
				}
				for id, val := range v.want {
					if c := v.n.child(id); c == nil || c.value != val {
						t.Fatalf("version %d: lookup %q = %v, want %s", i, id, c, val)
					}
				}
				if i > 0 {
					prev := versions[i-1]
					if d := differs(prev.n, v.n); d != !reflect.DeepEqual(prev.want, v.want) {
						t.Fatalf("version %d: differs = %v, maps equal = %v", i, d, reflect.DeepEqual(prev.want, v.want))
					}
				}
			}
		})
	}
}

// TestDiffFollowsChange checks that diff reports exactly what changed between two versions
// that share structure.
func TestDiffFollowsChange(t *testing.T) {
	base := mustTree(t, nil, "set interfaces ge-0/0/1 unit 1 vlan-id 1\nset interfaces ge-0/0/1 unit 2 vlan-id 2\nset system host-name a")
	tests := []struct {
		name string
		set  string
		want []string
	}{
		{"nothing", "set interfaces ge-0/0/1 unit 1 vlan-id 1", nil},
		{"leaf", "set interfaces ge-0/0/1 unit 1 vlan-id 7", []string{"~ interfaces/interface=ge-0/0/1/unit=1/vlan-id"}},
		{"new entry", "set interfaces ge-0/0/1 unit 3 vlan-id 3", []string{"+ interfaces/interface=ge-0/0/1/unit=3"}},
		{"deleted entry", "delete interfaces ge-0/0/1 unit 2", []string{"- interfaces/interface=ge-0/0/1/unit=2"}},
		{"two places", "set system host-name b\ndelete interfaces ge-0/0/1 unit 1", []string{"- interfaces/interface=ge-0/0/1/unit=1", "~ system/host-name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next := mustTree(t, base, tc.set)
			var got []string
			diff(base, next, nil, func(chain []*cnode, old, new *cnode) bool {
				x, mark := new, "~"
				switch {
				case old == nil:
					mark = "+"
				case new == nil:
					x, mark = old, "-"
				}
				var words []string
				for _, c := range append(chain, x) {
					w := c.name
					if c.kind == kEntry {
						w += "=" + c.key
					}
					words = append(words, w)
				}
				got = append(got, mark+" "+strings.Join(words, "/"))
				return true
			})
			sort.Strings(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("diff = %q, want %q", got, tc.want)
			}
		})
	}
}

// mustTree applies set lines to base (nil: an empty configuration).
func mustTree(t *testing.T, base *cnode, lines string) *cnode {
	t.Helper()
	if base == nil {
		base = &cnode{name: "configuration"}
	}
	ed, errs := parseSetLines(lines)
	out := edit(base, ed, "merge", nil, &errs)
	if hasErrors(errs) {
		t.Fatalf("%s: %v", lines, errs)
	}
	return out
}

// TestIncrementalCheckMatchesFullCheck runs both commit checks on candidates that change a
// valid running configuration.
func TestIncrementalCheckMatchesFullCheck(t *testing.T) {
	running := strings.Join([]string{
		"set interfaces ge-0/0/1 flexible-vlan-tagging",
		"set interfaces ge-0/0/1 encapsulation flexible-ethernet-services",
		"set interfaces ge-0/0/1 unit 100 encapsulation vlan-ccc",
		"set interfaces ge-0/0/1 unit 100 vlan-id 100",
		"set interfaces ge-0/0/1 unit 200 encapsulation vlan-vpls",
		"set interfaces ge-0/0/1 unit 200 vlan-id 200",
		"set interfaces ge-0/0/2 unit 0 family inet address 192.0.2.1/30",
		"set protocols l2circuit neighbor 10.255.0.2 interface ge-0/0/1.100 virtual-circuit-id 100",
		"set routing-instances V1 instance-type vpls",
		"set routing-instances V1 interface ge-0/0/1.200",
	}, "\n")
	tests := []struct {
		name    string
		change  string
		wantErr bool
	}{
		{"new valid service", "set interfaces ge-0/0/1 unit 300 encapsulation vlan-ccc\nset interfaces ge-0/0/1 unit 300 vlan-id 300\nset protocols l2circuit neighbor 10.255.0.3 interface ge-0/0/1.300 virtual-circuit-id 300", false},
		{"duplicate vlan", "set interfaces ge-0/0/1 unit 300 encapsulation vlan-ccc\nset interfaces ge-0/0/1 unit 300 vlan-id 100", true},
		{"duplicate vc id", "set interfaces ge-0/0/1 unit 300 encapsulation vlan-ccc\nset interfaces ge-0/0/1 unit 300 vlan-id 300\nset protocols l2circuit neighbor 10.255.0.2 interface ge-0/0/1.300 virtual-circuit-id 100", true},
		{"missing vc id", "set interfaces ge-0/0/1 unit 300 encapsulation vlan-ccc\nset interfaces ge-0/0/1 unit 300 vlan-id 300\nset protocols l2circuit neighbor 10.255.0.2 interface ge-0/0/1.300 description x", true},
		{"unit removed under a reference", "delete interfaces ge-0/0/1 unit 100", true},
		{"encapsulation changed under a reference", "set interfaces ge-0/0/1 unit 100 encapsulation vlan-vpls", true},
		{"interface used twice", "set routing-instances V1 interface ge-0/0/1.100", true},
		{"tagging removed", "delete interfaces ge-0/0/1 flexible-vlan-tagging", true},
		{"untagged unit", "set interfaces ge-0/0/2 unit 5 description x", true},
		{"vrf without rd", "set routing-instances V2 instance-type vrf\nset routing-instances V2 interface ge-0/0/2.0", true},
		{"reference to nothing", "set routing-instances V1 interface ge-0/0/9.9", true},
		{"whole service removed", "delete protocols l2circuit\ndelete interfaces ge-0/0/1 unit 100", false},
		{"whole port removed", "delete interfaces ge-0/0/1", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := mustTree(t, nil, running)
			if errs := checkConfig(run); len(errs) > 0 {
				t.Fatalf("running is not valid: %v", errs)
			}
			idx := newIndex()
			idx.update(nil, run)
			cand := mustTree(t, run, tc.change)
			full, inc := checkConfig(cand), checkChange(run, idx, cand)
			if !reflect.DeepEqual(full, inc) {
				t.Fatalf("incremental check:\n%v\nfull check:\n%v", inc, full)
			}
			if hasErrors(full) != tc.wantErr {
				t.Fatalf("errors %v, want errors: %v", full, tc.wantErr)
			}
		})
	}
}

// simSession is a session on d driven without SSH.
func simSession(t *testing.T, d *Device) *session {
	t.Helper()
	// Not registered with d: Close would close its (absent) channel.
	return &session{id: int(sessionIDs.Add(1)), user: "test", dev: d, killed: make(chan struct{})}
}

// rpc sends one operation and returns the reply.
func rpc(t *testing.T, s *session, op *xmltree.Node) string {
	t.Helper()
	out, _ := s.handle(rpcMsg(op))
	return string(out)
}

func mustOK(t *testing.T, s *session, op *xmltree.Node) {
	t.Helper()
	if out := rpc(t, s, op); strings.Contains(out, "rpc-error") {
		t.Fatalf("<%s>: %s", op.Name.Local, out)
	}
}

func newTestDevice(t *testing.T) *Device {
	t.Helper()
	d, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func candidate() *xmltree.Node { return el("target", el("candidate")) }

func editService(i int) *xmltree.Node {
	return el("edit-config", candidate(), el("config", serviceConfig(i)))
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestCandidateSemantics drives the datastores through RPCs: the candidate is running until
// edited, discard and unlock restore it, and a lock is refused while it differs.
func TestCandidateSemantics(t *testing.T) {
	d := newTestDevice(t)
	a, b := simSession(t, d), simSession(t, d)
	before := strings.Join(d.RunningSet(), "\n")

	mustOK(t, a, editService(1))
	if got := strings.Join(d.CandidateSet(), "\n"); got == before {
		t.Fatal("edit did not change the candidate")
	}
	if out := rpc(t, b, el("lock", candidate())); !strings.Contains(out, "configuration database modified") {
		t.Fatalf("lock on a modified candidate: %s", out)
	}
	mustOK(t, a, el("discard-changes"))
	if d.candidate != d.running {
		t.Fatal("discard-changes did not make the candidate running again")
	}
	// An edit that changes nothing leaves the candidate unmodified.
	mustOK(t, a, el("edit-config", candidate(), el("config", el("configuration", el("system", tx("host-name", "pe1"))))))
	mustOK(t, b, el("lock", candidate()))
	if out := rpc(t, a, el("lock", candidate())); !strings.Contains(out, "lock-denied") || !strings.Contains(out, fmt.Sprint(b.id)) {
		t.Fatalf("second lock: %s", out)
	}
	mustOK(t, b, editService(2))
	mustOK(t, b, el("unlock", candidate()))
	if got := strings.Join(d.CandidateSet(), "\n"); got != before {
		t.Fatalf("unlock kept uncommitted changes:\n%s", got)
	}
	mustOK(t, b, el("lock", candidate()))
	mustOK(t, b, editService(2))
	mustOK(t, b, el("commit"))
	if !d.RunningHas("set interfaces ge-0/0/3 unit 1 vlan-id 1") {
		t.Fatalf("commit did not apply:\n%s", strings.Join(d.RunningSet(), "\n"))
	}
	if d.candidate != d.running {
		t.Fatal("after a commit the candidate is not running")
	}
}

// TestConfirmedCommitTimeoutRestoresRunning checks that an unconfirmed commit puts back
// exactly the configuration it replaced, after several confirmed commits in a row.
func TestConfirmedCommitTimeoutRestoresRunning(t *testing.T) {
	d := newTestDevice(t)
	s := simSession(t, d)
	mustOK(t, s, editService(0))
	mustOK(t, s, el("commit"))
	d.mu.Lock()
	prior := d.running
	d.mu.Unlock()
	before := d.RunningSet()
	for i := 1; i <= 3; i++ {
		mustOK(t, s, editService(i))
		mustOK(t, s, el("commit", el("confirmed"), tx("confirm-timeout", "1")))
	}
	if !d.PendingConfirm() {
		t.Fatal("no confirmed commit pending")
	}
	waitFor(t, "automatic rollback", func() bool { return !d.PendingConfirm() })
	if got := d.RunningSet(); !reflect.DeepEqual(got, before) {
		t.Fatalf("running after rollback:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(before, "\n"))
	}
	d.mu.Lock()
	same, cand := d.running == prior, d.candidate == d.running
	d.mu.Unlock()
	if !same || !cand {
		t.Fatalf("running restored as the same tree: %v; candidate is running: %v", same, cand)
	}
	// The restored configuration still checks incrementally against the right index.
	mustOK(t, s, editService(1))
	mustOK(t, s, el("commit-configuration", el("check")))
}

// TestRollbackAfterManyCommits loads rollback N after more commits than the history keeps.
func TestRollbackAfterManyCommits(t *testing.T) {
	d := newTestDevice(t)
	s := simSession(t, d)
	var sets [][]string // sets[i]: running after commit i
	for i := 0; i < 60; i++ {
		mustOK(t, s, editService(i))
		mustOK(t, s, el("commit-configuration", tx("log", fmt.Sprint("service ", i))))
		sets = append(sets, d.RunningSet())
	}
	tests := []struct {
		n    int
		want []string
		err  bool
	}{
		{n: 0, want: sets[59]},
		{n: 1, want: sets[58]},
		{n: 10, want: sets[49]},
		{n: 49, want: sets[10]},
		{n: 50, err: true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint("rollback ", tc.n), func(t *testing.T) {
			out := rpc(t, s, el("load-configuration").SetAttr("rollback", fmt.Sprint(tc.n)))
			if tc.err {
				if !strings.Contains(out, "does not exist") {
					t.Fatalf("rollback %d: %s", tc.n, out)
				}
				return
			}
			if strings.Contains(out, "rpc-error") {
				t.Fatalf("rollback %d: %s", tc.n, out)
			}
			if got := d.CandidateSet(); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("candidate after rollback %d:\n%s", tc.n, strings.Join(got, "\n"))
			}
			mustOK(t, s, el("discard-changes"))
		})
	}
	mustOK(t, s, el("load-configuration").SetAttr("rollback", "5"))
	mustOK(t, s, el("commit"))
	if got := d.RunningSet(); !reflect.DeepEqual(got, sets[54]) {
		t.Fatalf("running after committing rollback 5:\n%s", strings.Join(got, "\n"))
	}
}

// TestSubtreeFilterSelectsByKey reads one unit out of many.
func TestSubtreeFilterSelectsByKey(t *testing.T) {
	d := newTestDevice(t)
	s := simSession(t, d)
	for i := 0; i < 20; i++ {
		mustOK(t, s, editService(i))
	}
	mustOK(t, s, el("commit"))
	filter := el("filter", el("configuration", el("interfaces", el("interface", tx("name", "ge-0/0/1"),
		el("unit", tx("name", "2"))))))
	filter.SetAttr("type", "subtree")
	out := rpc(t, s, el("get-config", el("source", el("running")), filter))
	for _, want := range []string{"<name>ge-0/0/1</name>", "<name>2</name>", "<vlan-id>2</vlan-id>"} {
		if !strings.Contains(out, want) {
			t.Fatalf("filtered reply lacks %s: %s", want, out)
		}
	}
	for _, unwanted := range []string{"<vlan-id>1</vlan-id>", "ge-0/0/2", "l2circuit"} {
		if strings.Contains(out, unwanted) {
			t.Fatalf("filtered reply holds %s: %s", unwanted, out)
		}
	}
}

// TestIncrementalCheckRandomChanges applies random changes to a small universe of ports,
// units, routing instances and l2circuits; the incremental check must agree with the full
// check on every candidate, and the index must follow every commit.
func TestIncrementalCheckRandomChanges(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	statement := func() string {
		port := pick("ge-0/0/1", "ge-0/0/2", "xe-0/1/1")
		unit := pick("0", "1", "2", "3")
		ifl := port + "." + unit
		switch rng.Intn(11) {
		case 9:
			return "interfaces lo0 unit 5 " + pick("family inet address 10.9.9.9/32", "description lo")
		case 10:
			ri := pick("A", "B")
			return "routing-instances " + ri + " " + pick("protocols vpls vpls-id 5", "protocols vpls neighbor 10.0.0.9",
				"protocols bgp group CE neighbor 192.0.2.2 peer-as 65001", "protocols bgp group CE type external",
				"protocols bgp group CE neighbor 192.0.2.3", "protocols pim interface "+ifl+" mode sparse", "protocols mvpn",
				"provider-tunnel ldp-p2mp", "interface lo0.5")
		case 0:
			return "interfaces " + port + " " + pick("flexible-vlan-tagging", "vlan-tagging", "encapsulation flexible-ethernet-services", "encapsulation vlan-ccc")
		case 1, 2:
			return "interfaces " + port + " unit " + unit + " vlan-id " + pick("10", "20", "30")
		case 3:
			return "interfaces " + port + " unit " + unit + " encapsulation " + pick("vlan-ccc", "vlan-vpls", "vlan-bridge")
		case 4:
			return "interfaces " + port + " unit " + unit + " description x"
		case 5:
			ri := pick("A", "B")
			return "routing-instances " + ri + " " + pick("instance-type vpls", "instance-type vrf", "interface "+ifl, "route-distinguisher 65000:1", "vrf-target target:65000:1")
		default:
			return "protocols l2circuit neighbor " + pick("10.0.0.1", "10.0.0.2") + " interface " + ifl + " " + pick("virtual-circuit-id 1", "virtual-circuit-id 2", "description y")
		}
	}
	run := &cnode{name: "configuration"}
	idx := newIndex()
	commits := 0
	for step := 0; step < 3000; step++ {
		var lines []string
		for i := 0; i < 1+rng.Intn(3); i++ {
			verb := "set "
			if rng.Intn(4) == 0 {
				verb = "delete "
			}
			lines = append(lines, verb+statement())
		}
		ed, errs := parseSetLines(strings.Join(lines, "\n"))
		cand := edit(run, ed, "merge", nil, &errs)
		if hasErrors(errs) {
			continue
		}
		full, inc := checkConfig(cand), checkChange(run, idx, cand)
		if !reflect.DeepEqual(full, inc) {
			t.Fatalf("step %d, change %q on\n%s\nincremental: %v\nfull: %v", step, lines, strings.Join(setLines(run), "\n"), inc, full)
		}
		if !hasErrors(full) {
			idx.update(run, cand)
			run = cand
			commits++
		}
	}
	want := newIndex()
	want.update(nil, run)
	if !reflect.DeepEqual(idx, want) {
		t.Fatalf("index after %d commits differs from one built afresh", commits)
	}
	if commits < 100 {
		t.Fatalf("only %d commits: the changes do not exercise the check", commits)
	}
}
