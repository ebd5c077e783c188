package web_test

import (
	"encoding/json"
	"testing"

	"github.com/xprov/xprov/engine/audit"
	"github.com/xprov/xprov/ui/client"
	"github.com/xprov/xprov/ui/rest"
	bt "github.com/xprov/xprov/ui/web/internal/browsertest"
)

// TestBrowserAudits drives the audits page against the real server and simulators: a unit
// disabled by hand on a Junos simulator shows as extra configuration of the service that owns
// the unit, in the results of an audit job started from the page for that device; schedules
// are added and removed.
func TestBrowserAudits(t *testing.T) {
	l := startLab(t)
	ctx, dir := bt.Start(t)
	api := &client.Client{Base: l.srv.URL, Token: l.srv.Token}
	for i, id := range []string{"aud-1", "aud-2"} {
		vlan := 300 + i
		intent, _ := json.Marshal(map[string]any{"customer": "CUST-1", "bandwidth": "10M", "endpoints": []any{
			map[string]any{"device": "pe1", "port": "ge-0/0/3", "vlan": vlan}, map[string]any{"device": "pe2", "port": "ge-0/0/3", "vlan": vlan}}})
		res, err := api.CreateService(t.Context(), rest.CreateRequest{Type: "eline", ID: id, Intent: intent}, client.RunOptions{Wait: true})
		if err != nil {
			t.Fatalf("create %s: %v", id, err)
		}
		if res.Run.State != "succeeded" {
			t.Fatalf("create %s: %+v", id, res.Run)
		}
	}
	if err := l.fleet.Device("pe1").LoadSet("set interfaces ge-0/0/3 unit 301 disable"); err != nil {
		t.Fatal(err)
	}
	// Everything audited once (pe2 in sync), then someone changes pe2 on its CLI: nothing a
	// service owns, but the commit history tells.
	if j, err := api.StartAudit(t.Context(), audit.Scope{}, true); err != nil || j.Drifted != 1 {
		t.Fatalf("audit of everything: %+v, %v", j, err)
	}
	if err := l.fleet.Device("pe2").LoadSet("set interfaces ge-0/0/9 description spare"); err != nil {
		t.Fatal(err)
	}

	p := &bt.Page{T: t, Ctx: ctx, Base: l.srv.URL, Dir: dir}
	p.SignIn(l.srv.Token)
	p.Run("open the audits page from the navigation",
		bt.Click(`nav#nav a[href="/audits"]`),
		bt.WaitText(`main h1`, "Audits"),
		bt.WaitJS(`document.querySelector('table.jobs') && document.querySelector('table.schedules')`),
	)
	p.A11y("audits")
	p.Run("audit the services of pe1",
		bt.Fill(`#job-device`, "pe1"),
		bt.Submit(`#job-device`),
		bt.WaitText(`main h1`, "Audit audit-"),
		bt.WaitJS(`document.querySelector('table.results')`),
		bt.WaitText(`table.results`, "aud-2"),
		bt.WaitText(`table.results`, "unit[301]/disable"),
		bt.WaitText(`table.results`, "added on the device"),
	)
	p.ExpectTrue("only the drifted service is listed by default",
		`document.querySelectorAll('table.results tbody tr').length === 1 && !document.querySelector('table.results').innerText.includes('aud-1')`)
	p.A11y("audit-job")
	p.Shot("audit-job")
	p.Run("every result",
		bt.Choose(`#result-status`, "all"),
		bt.WaitJS(`document.querySelectorAll('table.results tbody tr').length === 2`),
		bt.WaitText(`table.results`, "in-sync"),
	)
	p.Run("the job is listed, pe1 is out of sync, and a schedule is added",
		bt.Click(`a[href="/audits"]`),
		bt.WaitText(`table.jobs`, "device pe1"),
		bt.WaitJS(`[...document.querySelectorAll('table.targets tbody tr')].some(r => r.cells[0].innerText === 'pe1' && r.cells[1].innerText === 'out-of-sync' && r.cells[2].innerText === '1 of 2')`),
		bt.Fill(`#sched-type`, "eline"),
		bt.Choose(`#sched-every`, "6h"),
		bt.Submit(`#sched-type`),
		bt.WaitText(`table.schedules`, "type eline"),
		bt.WaitText(`table.schedules`, "6h0m0s"),
	)
	p.Run("the commit history shows pe2 changed behind xprov's back",
		bt.Click(`//main//button[normalize-space()="Check for changes"]`),
		bt.WaitJS(`[...document.querySelectorAll('table.targets tbody tr')].some(r => r.cells[0].innerText === 'pe2' && r.cells[1].innerText === 'out-of-sync' && r.cells[5].innerText.includes('by root via cli'))`),
	)
	p.Shot("audits")
	p.Run("the schedule is removed",
		bt.Click(`table.schedules tbody button`),
		bt.WaitText(`table.schedules`, "No scheduled audit."),
	)
	scheds, err := api.AuditSchedules(t.Context())
	if err != nil || len(scheds) != 0 {
		t.Fatalf("schedules left: %v, %v", scheds, err)
	}
}
