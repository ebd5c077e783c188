package audit_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/xprov/xprov/engine/audit"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/client"
	"github.com/xprov/xprov/ui/rest"
	"github.com/xprov/xprov/ui/server"
)

// TestDemoPacksAuditInSync: one service of each bundled pack, deployed through the server on
// the simulated Junos routers and SAM with the real adapters, is in sync at an audit of
// everything: no false extra, changed or missing node from what the devices add or return.
// (TestBrowserAudits in ui/web finds a unit disabled by hand on a simulator.)
func TestDemoPacksAuditInSync(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	in, err := server.Start(ctx, server.Options{Demo: true, Config: server.Config{Listen: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "demo.db")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.Shutdown(context.Background()) })
	api := &client.Client{Base: in.URL, Token: in.Token}
	ep := func(dev, port string, vlan int) map[string]any {
		return map[string]any{"device": dev, "port": port, "vlan": vlan}
	}
	svcs := []struct {
		typ string
		eps []any
	}{
		{"eline", []any{ep("pe1", "ge-0/0/4", 410), ep("sr1", "1/1/4", 410)}},
		{"elan", []any{ep("pe2", "ge-0/0/4", 420), ep("sr2", "1/1/4", 420), ep("pe3", "ge-0/0/4", 420)}},
		{"l3vpn", []any{ep("pe1", "ge-0/0/5", 430), ep("sr3", "1/1/5", 430)}},
		{"iptv-l3vpn", []any{ep("pe2", "ge-0/0/5", 440), ep("sr1", "1/1/5", 440)}},
	}
	for _, s := range svcs {
		in := map[string]any{"customer": "CUST-1", "description": "audit " + s.typ, "bandwidth": "10M", "endpoints": s.eps}
		if s.typ == "iptv-l3vpn" {
			in["multicast"] = map[string]any{"mode": "ssm"}
		}
		raw, _ := json.Marshal(in)
		if _, err := api.CreateService(ctx, rest.CreateRequest{Type: s.typ, ID: "a-" + s.typ, Intent: raw}, client.RunOptions{Wait: true}); err != nil {
			t.Fatalf("create %s: %v", s.typ, err)
		}
	}
	j, err := api.StartAudit(ctx, audit.Scope{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != store.AuditJobDone || j.Services != int64(len(svcs)) || j.InSync != j.Services {
		rs, _ := api.AuditResults(ctx, j.ID, "", "", 0)
		t.Fatalf("audit of the bundled packs: %+v\n%+v", j, rs.Items)
	}
}
