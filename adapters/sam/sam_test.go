package sam_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters/adaptertest"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/sam"
	"github.com/xprov/xprov/adapters/sam/sim"
)

// bundle is what most tests start from: a simulated SAM and a target on it.
type bundle struct {
	sim    *sim.Server
	target *sam.Target
}

func setup(t *testing.T, mod ...func(*sam.Options)) bundle {
	t.Helper()
	s := sim.New(sim.Options{Nodes: 3, User: "oss", Password: "s3cret"})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	o := sam.Options{Name: "sam1", URL: ts.URL, User: "oss", Password: "s3cret", CallTimeout: 5 * time.Second, RetryBackoff: 10 * time.Millisecond}
	for _, m := range mod {
		m(&o)
	}
	tg, err := sam.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	return bundle{sim: s, target: tg}
}

func mustPath(t testing.TB, s string) config.Path {
	t.Helper()
	p, err := config.ParsePath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func leaves(t testing.TB, objs ...config.Object) []config.Leaf {
	t.Helper()
	ls, err := config.FromObjects(objs)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

// eline is what an E-LINE pack renders for service 100 between sr1 1/1/3:100 and sr2.
func eline(svc string) []config.Object {
	root := "epipe.Epipe[" + svc + "]"
	site := root + "/epipe.Site[10.255.2.1]"
	return []config.Object{
		{Class: "epipe.Epipe", Key: svc, Props: map[string]string{"serviceId": svc, "customerId": "1", "displayedName": "eline-" + svc, "description": "conformance"}},
		{Class: "epipe.Site", Key: "10.255.2.1", Parent: root, Props: map[string]string{"siteId": "10.255.2.1"}},
		{Class: "vll.L2AccessInterface", Key: "1/1/3:" + svc, Parent: site, Props: map[string]string{"portName": "1/1/3", "innerEncapValue": svc, "administrativeState": "up"}},
		{Class: "svt.SpokeSdpBinding", Key: "10.255.2.2:" + svc, Parent: site, Props: map[string]string{"tunnelSelectionTerminationSiteId": "10.255.2.2", "vcId": svc}},
	}
}

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) adaptertest.Harness {
		b := setup(t)
		return adaptertest.Harness{
			Target: b.target,
			Sample: leaves(t, eline("100")...),
			Update: []config.Leaf{
				{Path: mustPath(t, "epipe.Epipe[100]/description"), Value: "updated"},
				{Path: mustPath(t, "epipe.Epipe[100]/epipe.Site[10.255.2.1]/vll.L2AccessInterface[1/1/3:100]/administrativeState"), Value: "down"},
			},
			Invalid: leaves(t,
				config.Object{Class: "epipe.Epipe", Key: "200", Props: map[string]string{"customerId": "1"}},
				config.Object{Class: "epipe.Site", Key: "10.255.2.1", Parent: "epipe.Epipe[200]"},
				config.Object{Class: "vll.L2AccessInterface", Key: "9/9/9:200", Parent: "epipe.Epipe[200]/epipe.Site[10.255.2.1]"},
			),
			Roots:     []config.Path{mustPath(t, "epipe.Epipe[100]")},
			Device:    "sr1",
			OpCommand: "show port",
		}
	})
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
