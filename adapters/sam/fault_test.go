package sam_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/sam"
	"github.com/xprov/xprov/adapters/sam/sim"
)

func createCS(t testing.TB, objs ...config.Object) config.ChangeSet {
	t.Helper()
	cs := config.ChangeSet{Target: "sam1"}
	for _, l := range leaves(t, objs...) {
		cs.Changes = append(cs.Changes, config.Change{Op: config.Create, Path: l.Path, Value: l.Value})
	}
	config.SortChanges(cs.Changes)
	return cs
}

func prepare(t testing.TB, b bundle, cs config.ChangeSet) (adapters.Tx, error) {
	t.Helper()
	tx, err := b.target.Begin(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return tx, tx.Prepare(ctxT(t), cs, adapters.PrepareOptions{})
}

func commit(t testing.TB, b bundle, cs config.ChangeSet) {
	t.Helper()
	tx, err := prepare(t, b, cs)
	if err != nil {
		_ = tx.Rollback(ctxT(t))
		t.Fatalf("prepare: %v", err)
	}
	if err := tx.Commit(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

func TestFaultsAreTyped(t *testing.T) {
	bad := []config.Object{
		{Class: "epipe.Epipe", Key: "300", Props: map[string]string{"customerId": "1"}},
		{Class: "epipe.Site", Key: "10.255.2.1", Parent: "epipe.Epipe[300]"},
		{Class: "vll.L2AccessInterface", Key: "9/9/9:300", Parent: "epipe.Epipe[300]/epipe.Site[10.255.2.1]"},
	}
	tests := []struct {
		name   string
		status int
		objs   []config.Object
		path   string
		msg    string
	}{
		{"sap on missing port, HTTP 500", 500, bad, "epipe.Epipe[300]/epipe.Site[10.255.2.1]/vll.L2AccessInterface[9/9/9:300]", "port 9/9/9 does not exist on sr1"},
		{"sap on missing port, HTTP 200", 200, bad, "epipe.Epipe[300]/epipe.Site[10.255.2.1]/vll.L2AccessInterface[9/9/9:300]", "port 9/9/9 does not exist on sr1"},
		{"site on unknown node", 500, []config.Object{
			{Class: "vpls.Vpls", Key: "301", Props: map[string]string{"customerId": "1"}},
			{Class: "vpls.Site", Key: "10.9.9.9", Parent: "vpls.Vpls[301]"},
		}, "vpls.Vpls[301]/vpls.Site[10.9.9.9]", "network element with system address 10.9.9.9 is not managed"},
		{"vprn site without route distinguisher", 200, []config.Object{
			{Class: "vprn.Vprn", Key: "302", Props: map[string]string{"customerId": "1"}},
			{Class: "vprn.Site", Key: "10.255.2.2", Parent: "vprn.Vprn[302]"},
		}, "vprn.Vprn[302]/vprn.Site[10.255.2.2]", "required attribute routeDistinguisher of class vprn.Site is missing"},
		{"unknown customer", 500, []config.Object{
			{Class: "epipe.Epipe", Key: "303", Props: map[string]string{"customerId": "77"}},
		}, "epipe.Epipe[303]", "customer 77 does not exist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t)
			b.sim.SetFaultStatus(tc.status)
			tx, err := prepare(t, b, createCS(t, tc.objs...))
			defer tx.Rollback(ctxT(t))
			var ae *adapters.Error
			if !errors.As(err, &ae) || !errors.Is(err, adapters.ErrRejected) {
				t.Fatalf("error %v: want *adapters.Error wrapping ErrRejected", err)
			}
			if ae.Target != "sam1" || ae.Path != tc.path || !strings.Contains(ae.Msg, tc.msg) {
				t.Fatalf("error names %q %q with %q; want %q with %q", ae.Target, ae.Path, ae.Msg, tc.path, tc.msg)
			}
			if b.sim.Count(tc.objs[0].Class) != 0 {
				t.Fatalf("rejected prepare left %s objects behind", tc.objs[0].Class)
			}
		})
	}
}

func TestDuplicateServiceIDAndEncap(t *testing.T) {
	b := setup(t)
	commit(t, b, createCS(t, eline("100")...))
	// Another service class reusing service id 100.
	tx, err := prepare(t, b, createCS(t, config.Object{Class: "vpls.Vpls", Key: "100", Props: map[string]string{"customerId": "1"}}))
	if !errors.Is(err, adapters.ErrRejected) || !strings.Contains(err.Error(), "service id 100 is already used") {
		t.Fatalf("duplicate service id: %v", err)
	}
	tx.Rollback(ctxT(t))
	// Another epipe on the same port and VLAN.
	objs := eline("101")
	objs[2] = config.Object{Class: "vll.L2AccessInterface", Key: "1/1/3:100", Parent: objs[2].Parent}
	tx, err = prepare(t, b, createCS(t, objs...))
	if !errors.Is(err, adapters.ErrRejected) || !strings.Contains(err.Error(), "encapsulation 1/1/3:100 is already used") {
		t.Fatalf("duplicate encap: %v", err)
	}
	tx.Rollback(ctxT(t))
	if b.sim.Exists("svc-mgr:service-101") {
		t.Fatal("rejected service 101 left behind")
	}
}

func TestBadCredentials(t *testing.T) {
	b := setup(t, func(o *sam.Options) { o.Password = "wrong-password" })
	_, err := b.target.Discover(ctxT(t))
	if !errors.Is(err, sam.ErrAuth) || !errors.Is(err, adapters.ErrUnreachable) {
		t.Fatalf("discover with a bad password: %v", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Fatal("error reveals the password")
	}
	if n := b.sim.Requests(); n != 1 {
		t.Fatalf("authentication failure was retried: %d requests", n)
	}
	// Plain-text password (hashed="false") is accepted too.
	p := setup(t, func(o *sam.Options) { o.PlainPassword = true })
	if _, err := p.target.Discover(ctxT(t)); err != nil {
		t.Fatalf("plain password: %v", err)
	}
}

func TestBusyRetriesReadsOnly(t *testing.T) {
	b := setup(t)
	b.sim.SetBusy(true)
	_, err := b.target.Fetch(ctxT(t), []config.Path{mustPath(t, "epipe.Epipe[100]")})
	if !errors.Is(err, sam.ErrBusy) || !errors.Is(err, adapters.ErrUnreachable) {
		t.Fatalf("fetch while busy: %v", err)
	}
	if n := b.sim.Requests(); n != 3 {
		t.Fatalf("busy read made %d requests, want 3 (1 + 2 retries)", n)
	}
	// A transient busy answer is absorbed by the retry.
	b.sim.SetBusy(false)
	b.sim.Inject(sim.Injection{Method: "find", Server: true, Message: "busy"})
	if _, err := b.target.Discover(ctxT(t)); err == nil {
		t.Fatal("an injected rejection of a read must not be retried into success")
	}
	b.sim.ClearInjections()
	// Writes are never retried.
	tx, err := b.target.Begin(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctxT(t))
	b.sim.Inject(sim.Injection{Method: "generic.GenericObject.configureChildInstance", Message: "no"})
	before := b.sim.Requests()
	err = tx.Prepare(ctxT(t), createCS(t, eline("100")[0]), adapters.PrepareOptions{})
	if !errors.Is(err, adapters.ErrRejected) {
		t.Fatalf("prepare with injected fault: %v", err)
	}
	if got := b.sim.Requests() - before; got != 2 { // existence check + one create
		t.Fatalf("write made %d requests, want 2", got)
	}
}

func TestMidTransactionFaultUndoesInReverse(t *testing.T) {
	b := setup(t)
	// The 3rd create (the spoke SDP binding, which sorts before the SAP) fails; the site and
	// the service are undone, site first.
	b.sim.Inject(sim.Injection{Method: "generic.GenericObject.configureChildInstance", Nth: 3, Message: "injected: refused"})
	tx, err := prepare(t, b, createCS(t, eline("100")...))
	if !errors.Is(err, adapters.ErrRejected) || !strings.Contains(err.Error(), "svt.SpokeSdpBinding[10.255.2.2:100]: injected: refused") {
		t.Fatalf("prepare: %v", err)
	}
	if err := tx.Rollback(ctxT(t)); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	var deletes []string
	for _, l := range b.sim.RequestLog() {
		if strings.HasPrefix(l, "generic.GenericObject.deleteInstance ") {
			deletes = append(deletes, strings.TrimPrefix(l, "generic.GenericObject.deleteInstance "))
		}
	}
	want := []string{"svc-mgr:service-100:10.255.2.1", "svc-mgr:service-100"}
	if fmt.Sprint(deletes) != fmt.Sprint(want) {
		t.Fatalf("undo deleted %v, want %v", deletes, want)
	}
	if b.sim.Exists("svc-mgr:service-100") {
		t.Fatal("service left behind")
	}
}

func TestFailedUndoIsReported(t *testing.T) {
	b := setup(t)
	tx, err := prepare(t, b, createCS(t, eline("100")...))
	if err != nil {
		t.Fatal(err)
	}
	b.sim.Inject(sim.Injection{Method: "generic.GenericObject.deleteInstance", Count: -1, Server: true, Message: "database locked"})
	err = tx.Rollback(ctxT(t))
	if !errors.Is(err, adapters.ErrRollbackFailed) {
		t.Fatalf("rollback: %v", err)
	}
	for _, want := range []string{
		"epipe.Epipe[100] (svc-mgr:service-100) was created and is still there",
		"svt.SpokeSdpBinding[10.255.2.2:100] (svc-mgr:service-100:10.255.2.1:spoke-10.255.2.2:100) was created and is still there",
		"database locked",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("rollback error does not say %q:\n%v", want, err)
		}
	}
	// The transaction ended: the target is free again.
	b.sim.ClearInjections()
	tx2, err := b.target.Begin(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	tx2.Rollback(ctxT(t))
}

func TestWriteTimeoutIsPossiblyApplied(t *testing.T) {
	b := setup(t, func(o *sam.Options) { o.CallTimeout = 150 * time.Millisecond })
	tx, err := b.target.Begin(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	// Only the create is slow: SAM applies it, the reply comes too late.
	b.sim.Inject(sim.Injection{Method: "generic.GenericObject.configureChildInstance", Delay: time.Second})
	err = tx.Prepare(ctxT(t), createCS(t, eline("100")[0]), adapters.PrepareOptions{})
	if !errors.Is(err, adapters.ErrPossiblyApplied) {
		t.Fatalf("prepare with a slow SAM: %v", err)
	}
	// Prepare undid the uncertain create at once (it had been applied, the reply was late).
	if b.sim.Exists("svc-mgr:service-100") {
		t.Fatal("the possibly applied create was not undone")
	}
	log := b.sim.RequestLog()
	if last := log[len(log)-1]; last != "generic.GenericObject.deleteInstance svc-mgr:service-100" {
		t.Fatalf("last request %q, want the undo of the create", last)
	}
	if err := tx.Rollback(ctxT(t)); err != nil {
		t.Fatalf("rollback after possibly applied: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	tg, err := sam.New(sam.Options{Name: "sam1", URL: url, User: "u", Password: "p", CallTimeout: time.Second, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.Discover(ctxT(t)); !errors.Is(err, adapters.ErrUnreachable) {
		t.Fatalf("discover on a closed port: %v", err)
	}
	tx, _ := tg.Begin(ctxT(t))
	defer tx.Rollback(ctxT(t))
	op := config.ChangeSet{Changes: []config.Change{{Op: config.Delete, Path: mustPath(t, "epipe.Epipe[5]")}}}
	if err := tx.Prepare(ctxT(t), op, adapters.PrepareOptions{}); !errors.Is(err, adapters.ErrUnreachable) {
		t.Fatalf("prepare on a closed port: %v", err)
	}
}
