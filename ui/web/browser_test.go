package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	bt "github.com/xprov/xprov/ui/web/internal/browsertest"
)

// serviceFlow drives create → preview → commit → modify → delete of one service.
type serviceFlow struct {
	typ, id    string
	fillCreate func(p *bt.Page) // fills the form for create
	planCreate []string         // texts the create plan must show
	fillModify func(p *bt.Page)
	planModify []string
}

func flow(p *bt.Page, f serviceFlow) {
	p.T.Helper()
	p.Run("open the "+f.typ+" form",
		chromedp.Navigate(p.Base+"/catalogue"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`a[href="/catalogue/%s"]`, f.typ))),
		bt.Click(fmt.Sprintf(`a[href="/catalogue/%s"]`, f.typ)),
		chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
		bt.Fill(`#svc-id`, f.id),
	)
	f.fillCreate(p)
	p.A11y(f.typ + "-form")
	p.Shot(f.typ + "-1-form")
	p.Run("preview the create",
		bt.Click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
		bt.WaitJS(`document.activeElement && document.activeElement.id === 'commit'`),
	)
	for _, want := range f.planCreate {
		p.Run("create plan shows "+want, bt.WaitText(`.plan`, want))
	}
	p.A11y(f.typ + "-plan")
	p.Shot(f.typ + "-2-plan")
	commit(p, f.typ+"-3-run-create")
	p.Run("open the service",
		bt.Click(fmt.Sprintf(`main a[href="/services/%s"]`, f.id)),
		bt.WaitText(`main h1`, f.id),
		bt.WaitText(`main`, "Owned configuration"),
		bt.WaitText(`main`, "Run history"),
	)
	p.A11y(f.typ + "-detail")
	p.Shot(f.typ + "-4-detail")

	p.Run("modify",
		bt.Click(fmt.Sprintf(`a[href="/services/%s/modify"]`, f.id)),
		chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
	)
	f.fillModify(p)
	p.Run("preview the modify",
		bt.Click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
	)
	for _, want := range f.planModify {
		p.Run("modify plan shows "+want, bt.WaitText(`.plan`, want))
	}
	p.Run("the modify plan says what changes in the service", bt.WaitText(`.svcchange table.diff-table`, "→"))
	p.ExpectTrue("a VLAN change renumbers nothing", `!document.querySelector('.svcchange').innerText.includes('renumbered')`)
	p.Shot(f.typ + "-5-plan-modify")
	commit(p, f.typ+"-6-run-modify")
	p.Run("the service lists its versions and compares them",
		bt.Click(fmt.Sprintf(`main a[href="/services/%s"]`, f.id)),
		bt.WaitText(`main h1`, f.id),
		bt.WaitText(`.versions caption`, "2 recorded changes of the intent"),
		bt.WaitText(`.versions table.diff-table caption`, "change 1 → change 2"),
		bt.WaitText(`main section.intent`, "Intent"),
	)
	p.ExpectTrue("the topology is drawn", `!!document.querySelector('svg.topology[role=img]') && document.querySelector('svg.topology').getAttribute('aria-label').includes('joining')`)
	p.A11y(f.typ + "-detail-versions")
	p.Shot(f.typ + "-6b-versions")

	p.Run("delete",
		chromedp.Navigate(p.Base+"/services/"+f.id),
		bt.WaitText(`main h1`, f.id),
		chromedp.WaitVisible(chromedp.Search(`//main//button[normalize-space()="Delete"]`)),
		bt.Click(`//main//button[normalize-space()="Delete"]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
		bt.WaitText(`.plan`, "Delete"),
	)
	confirmDelete(p, f.id)
	p.Shot(f.typ + "-7-plan-delete")
	commit(p, f.typ+"-8-run-delete")
	p.Run("deleted", bt.WaitText(`main`, "The service is deleted"))
	p.Run("its history stays",
		chromedp.Navigate(p.Base+"/services/"+f.id),
		bt.WaitText(`main [role=alert]`, "There is no service "+f.id+" now"),
		bt.WaitJS(`document.querySelectorAll('table.runs tbody tr').length === 3`),
	)
	p.Shot(f.typ + "-9-gone")
}

// confirmDelete checks the delete preview's safeguards and types the id that arms it: the
// focus is on the confirmation, not on the button; the button stays disabled for a wrong id;
// the summary says what is removed and released.
func confirmDelete(p *bt.Page, id string) {
	p.T.Helper()
	p.Run("delete needs the id typed",
		bt.WaitJS(`document.activeElement && document.activeElement.id === 'confirm-id'`),
		bt.WaitText(`.danger-zone`, "configuration node"),
		bt.WaitText(`.danger-zone`, "Endpoints freed"),
	)
	p.ExpectTrue("the delete button starts disabled and red", `document.querySelector('#commit').disabled && document.querySelector('#commit').classList.contains('danger')`)
	p.A11y("delete-confirm")
	p.Run("a wrong id keeps it disabled", bt.Fill(`#confirm-id`, id+"x"))
	p.ExpectTrue("still disabled", `document.querySelector('#commit').disabled`)
	p.Run("the right id arms it", bt.Fill(`#confirm-id`, id), bt.WaitJS(`!document.querySelector('#commit').disabled`))
}

// commit commits the plan on screen and waits for the run to succeed.
func commit(p *bt.Page, shot string) {
	p.T.Helper()
	p.Run("commit",
		bt.Click(`#commit`),
		chromedp.WaitVisible(chromedp.CSS(`.outcome .banner`)),
		bt.WaitJS(`!!document.querySelector('.outcome .banner.st-succeeded, .outcome .banner.st-failed')`),
	)
	state, _ := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`document.querySelector('.outcome').innerText`))
	if !strings.Contains(state, "Done") {
		p.Shot(shot)
		p.T.Fatalf("run did not succeed: %s", state)
	}
	p.Run("steps shown", bt.WaitText(`ol.steps`, "Commit on"))
	p.A11y("run")
	p.Shot(shot)
}

func newFakeServer(t *testing.T) (*httptest.Server, *fakeAPI) {
	t.Helper()
	fake, err := newFakeAPI("testdata/packs")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Logf("api %s %s", r.Method, r.URL.Path)
		fake.ServeHTTP(w, r)
	}))
	mux.Handle("/", Handler(Options{}))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv, fake
}

// TestBrowserFake drives the console in Chromium against the fake API: sign-in with the
// keyboard, client and server field messages, pickers, rules, tabs, create → preview →
// commit → modify → delete of a multi-vendor E-LINE and an L3VPN, the other pages, and a
// viewer who sees no buttons that change anything.
func TestBrowserFake(t *testing.T) {
	ctx, dir := bt.Start(t)
	srv, _ := newFakeServer(t)
	p := &bt.Page{T: t, Ctx: ctx, Base: srv.URL, Dir: dir}
	p.SignIn("op-token")
	p.Run("services list", chromedp.Navigate(p.Base+"/services"), bt.WaitText(`main h1`, "Services"), bt.WaitJS(`document.querySelector('table.services')`))
	p.A11y("services")
	p.Shot("services-list")

	// Field messages before submit: empty required fields, then the server's own messages.
	p.Run("empty form shows messages",
		chromedp.Navigate(p.Base+"/catalogue/eline"),
		chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
		bt.Click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`.summary[role=alert]`)),
		bt.WaitText(`[data-pointer="/customer"] .msg`, "Required."),
		bt.WaitText(`[data-pointer="/endpoints/0/vlan"] .msg`, "Required."),
		// "Preview changes" says why nothing was previewed, next to the button.
		bt.WaitText(`.formstatus`, "Not previewed"),
		bt.WaitJS(`document.querySelector('[data-pointer="/customer"] .msg').textContent === 'Required.'`),
		bt.Fill(bt.FieldSel("/endpoints/0/vlan", "input"), "5000"),
		bt.WaitText(`[data-pointer="/endpoints/0/vlan"] .msg`, "at most 4094"),
		// The picker offers only ports that can take the service, and says who uses the others.
		bt.Choose(bt.FieldSel("/endpoints/0/device", "select"), "pe1"),
		chromedp.WaitReady(chromedp.CSS(bt.FieldSel("/endpoints/0/port", `select[data-ready=true] option[value="ge-0/0/1"]`))),
	)
	// A port that carries a service stays selectable for another VLAN service and says what
	// it carries; ports show their description and state; only an admin-down port is refused.
	p.ExpectTrue("a used port stays selectable and names its service", `(() => { const o = document.querySelector('[data-pointer="/endpoints/0/port"] option[value="ge-0/0/2"]'); return !o.disabled && o.textContent.includes('carries eline-060') && o.parentElement.label === 'Ports already carrying services'; })()`)
	p.ExpectTrue("a port shows its description and state", `(() => { const o = document.querySelector('[data-pointer="/endpoints/0/port"] option[value="ge-0/0/1"]'); return o.textContent.includes('ACME Amsterdam access') && o.textContent.includes('up') && o.textContent.includes('free'); })()`)
	p.ExpectTrue("a port with its link down says so", `document.querySelector('[data-pointer="/endpoints/0/port"] option[value="xe-0/1/0"]').textContent.includes('link down')`)
	p.ExpectTrue("admin-down port is disabled", `document.querySelector('[data-pointer="/endpoints/0/port"] option[value="ge-0/0/3"]').disabled`)
	p.Run("the picker counts what it offers", bt.WaitText(`[data-pointer="/endpoints/0/port"] .picknote`, "4 ports on pe1: 2 free, 1 already carrying services (VLAN services share a port), 1 admin down. 1 has the link down."))
	p.ExpectTrue("the picker's note describes the select", `document.querySelector('[data-pointer="/endpoints/0/port"] select').getAttribute('aria-describedby').split(' ').includes(document.querySelector('[data-pointer="/endpoints/0/port"] .picknote').id)`)
	p.ExpectTrue("no message says 'is required' after 'Required.'", `[...document.querySelectorAll('.field .msg')].every(m => !/is required/.test(m.textContent))`)
	p.ExpectTrue("required marker shown", `document.querySelector('[data-pointer="/customer"] label .req') !== null`)
	p.ExpectTrue("hidden by rule", `document.querySelector('[data-pointer="/bandwidth_mbps"]').closest('[hidden]') !== null`)
	p.ExpectTrue("number bounds from the schema", `document.querySelector('[data-pointer="/mtu"] input').min === '576' && document.querySelector('[data-pointer="/mtu"] input').max === '9192'`)
	p.Shot("eline-0-messages")

	p.Run("a customer's page",
		chromedp.Navigate(p.Base+"/customers/Customer%203"),
		bt.WaitText(`main h1`, "Customer Customer 3"),
		bt.WaitText(`table.services caption`, "9 services of Customer 3"),
		bt.WaitText(`main`, "Devices: pe2"),
	)
	p.A11y("customer")
	p.Shot("customer")
	p.Run("a device's services",
		chromedp.Navigate(p.Base+"/inventory/pe1"),
		bt.WaitText(`#dev-svcs`, "Services on this device"),
		bt.WaitText(`table.services`, "eline-060"),
		bt.WaitText(`table.services`, "pe1 ge-0/0/2 VLAN 1060"),
	)
	eline := serviceFlow{
		typ: "eline", id: "eline-web-1",
		fillCreate: func(p *bt.Page) {
			p.Run("fill the E-LINE",
				bt.Fill(bt.FieldSel("/customer", "input"), "ACME Corp"),
				bt.Choose(bt.FieldSel("/endpoints/0/device", "select"), "pe1"),
				bt.Choose(bt.FieldSel("/endpoints/0/port", "select"), "ge-0/0/1"),
				bt.Fill(bt.FieldSel("/endpoints/0/vlan", "input"), "100"),
				bt.Choose(bt.FieldSel("/endpoints/1/device", "select"), "sr1"),
				bt.Choose(bt.FieldSel("/endpoints/1/port", "select"), "1/1/1"),
				bt.Fill(bt.FieldSel("/endpoints/1/vlan", "input"), "100"),
				bt.Click(bt.FieldSel("/rate_limit", "input")),
				chromedp.WaitVisible(chromedp.CSS(bt.FieldSel("/bandwidth_mbps", "input"))),
				bt.Fill(bt.FieldSel("/bandwidth_mbps", "input"), "200"),
				bt.WaitJS(`[...document.querySelectorAll('.field .msg')].every(m => m.hidden)`),
			)
		},
		planCreate: []string{"set interfaces ge-0/0/1 unit 100 vlan-id 100", "create epipe.Epipe", "pe1", "sam1", "vc-id"},
		fillModify: func(p *bt.Page) {
			p.Run("change the VLAN",
				bt.WaitJS(`document.querySelector('[data-pointer="/endpoints/0/port"] select').value === 'ge-0/0/1'`),
				bt.Fill(bt.FieldSel("/endpoints/0/vlan", "input"), "200"),
			)
		},
		planModify: []string{"delete interfaces ge-0/0/1 unit 100", "set interfaces ge-0/0/1 unit 200 vlan-id 200"},
	}
	flow(p, eline)

	l3vpn := serviceFlow{
		typ: "l3vpn", id: "vpn-web-1",
		fillCreate: func(p *bt.Page) {
			p.Run("fill the VPN tab",
				bt.Fill(bt.FieldSel("/customer", "input"), "Globex"),
				chromedp.Focus(chromedp.CSS(`[role=tab][aria-selected=true]`)),
				chromedp.KeyEvent(kb.ArrowRight),
				bt.WaitJS(`document.activeElement.getAttribute('role') === 'tab' && document.activeElement.textContent === 'Sites' && document.activeElement.getAttribute('aria-selected') === 'true'`),
				chromedp.WaitVisible(chromedp.CSS(bt.FieldSel("/sites/0/device", "select"))),
				bt.Choose(bt.FieldSel("/sites/0/device", "select"), "pe2"),
				bt.Choose(bt.FieldSel("/sites/0/port", "select"), "xe-0/0/0"),
				bt.Fill(bt.FieldSel("/sites/0/vlan", "input"), "300"),
				bt.Fill(bt.FieldSel("/sites/0/address", "input"), "192.0.2.1/30"),
				bt.ChooseLabel(bt.FieldSel("/sites/0/routing", "select"), "bgp"),
				bt.WaitJS(`!document.querySelector('[data-pointer="/sites/0/peer_as"] input').disabled`),
				bt.Fill(bt.FieldSel("/sites/0/peer_as", "input"), "65010"),
				bt.Click(`//button[contains(., "Add site")]`),
				chromedp.WaitVisible(chromedp.CSS(bt.FieldSel("/sites/1/device", "select"))),
				bt.WaitJS(`document.querySelector('[data-pointer="/sites/1/peer_as"] input').disabled`),
				bt.Choose(bt.FieldSel("/sites/1/device", "select"), "sr1"),
				bt.Choose(bt.FieldSel("/sites/1/port", "select"), "1/1/2"),
				bt.Fill(bt.FieldSel("/sites/1/vlan", "input"), "301"),
				bt.Fill(bt.FieldSel("/sites/1/address", "input"), "192.0.2.5/30"),
			)
		},
		planCreate: []string{"set routing-instances vpn-web-1 route-distinguisher 65000:101", "create vprn.Vprn", "rd", "rt"},
		fillModify: func(p *bt.Page) {
			p.Run("remove the second site",
				chromedp.WaitVisible(chromedp.CSS(`[role=tab]`)),
				bt.Click(`//button[@role="tab"][normalize-space()="Sites"]`),
				chromedp.WaitVisible(chromedp.Search(`//button[@aria-label="Remove Site 2: sr1"]`)),
				bt.Click(`//button[@aria-label="Remove Site 2: sr1"]`),
				bt.WaitJS(`document.querySelectorAll('fieldset.item').length === 1`),
			)
		},
		planModify: []string{"delete vprn.Vprn", "sam1"},
	}
	flow(p, l3vpn)

	// The rest of the console.
	p.Run("services: filters and pagination",
		chromedp.Navigate(p.Base+"/services"),
		bt.WaitText(`main`, "Page 1"),
		bt.Click(`//a[contains(., "Next page")]`),
		bt.WaitText(`main`, "Page 2"),
		bt.WaitText(`main`, "eline-010"),
		bt.Fill(`#device`, "pe1"),
		bt.Submit(`form.filters`),
		bt.WaitText(`table.services tbody`, "eline-060"),
		bt.WaitJS(`document.querySelectorAll('table.services tbody tr').length === 1`),
	)
	p.Shot("services-filtered")
	p.Run("migrate an endpoint",
		chromedp.Navigate(p.Base+"/services/eline-060/migrate"),
		chromedp.WaitVisible(chromedp.CSS(bt.FieldSel("/endpoints/0/device", "select"))),
		bt.WaitJS(`document.querySelector('[data-pointer="/endpoints/0/port"] select').value === 'ge-0/0/2'`),
		bt.Choose(bt.FieldSel("/endpoints/0/device", "select"), "pe2"),
		bt.Choose(bt.FieldSel("/endpoints/0/port", "select"), "xe-0/0/0"),
		bt.Click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
		bt.WaitText(`.plan`, "delete interfaces ge-0/0/2 unit 1060"),
		bt.WaitText(`.plan`, "set interfaces xe-0/0/0 unit 1060"),
		// The moved endpoint renumbers the pseudowire: said in the service's terms.
		bt.WaitText(`.svcchange`, "Pool vc-id (pw)"),
		bt.WaitText(`.svcchange`, "101 in global (renumbered)"),
		bt.WaitText(`.svcchange`, "pe2"),
	)
	p.Shot("migrate-plan")
	// The audits page (jobs, results, device sync) is tested against the real server and
	// simulators in audits_test.go.
	for _, pg := range []struct{ path, want string }{
		{"/catalogue", "Service catalogue"}, {"/inventory", "sam1"}, {"/inventory/pe1", "eline-060"}, {"/pools", "930 of 1000 used"}, {"/reports", "Service endpoints by vendor"},
	} {
		p.Run("open "+pg.path, chromedp.Navigate(p.Base+pg.path), bt.WaitText(`main`, pg.want))
		p.A11y(strings.ReplaceAll(strings.Trim(pg.path, "/"), "/", "-"))
		p.Shot(strings.ReplaceAll(strings.Trim(pg.path, "/"), "/", "-"))
	}
	p.ExpectTrue("charts are inline SVG", `document.querySelectorAll('main svg.chart').length >= 4`)
	// Pool shares are drawn against 100 %, not against the fullest pool: 93 % is not a full bar.
	p.ExpectTrue("pool bars are scaled to 100 %", `(() => { const f = [...document.querySelectorAll('figure.chartbox')].find(f => f.querySelector('figcaption').textContent === 'Pool utilisation'); return [...f.querySelectorAll('svg rect')].some(r => Math.abs(Number(r.getAttribute('width')) - 0.93 * 230) < 1); })()`)

	// A new tab of this browser is signed in too (the session cookie), and no script of the
	// page can read the token: not in the cookies it sees, not in storage.
	vctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(vctx); err != nil {
		t.Fatal(err)
	}
	v := &bt.Page{T: t, Ctx: vctx, Base: srv.URL, Dir: dir}
	v.Run("a new tab is signed in", chromedp.Navigate(v.Base+"/services"), bt.WaitText(`main h1`, "Services"), bt.WaitText(`.who .user`, "olivia"))
	v.ExpectTrue("no script can read the token", `!document.cookie.includes('xprov_session') && !JSON.stringify(Object.assign({}, sessionStorage, localStorage)).includes('op-token')`)
	// A viewer sees everything and can change nothing.
	v.Run("sign out", bt.Click(`//header//button[normalize-space()="Sign out"]`), chromedp.WaitVisible(chromedp.CSS(`#token-input`)))
	v.SignIn("viewer-token")
	v.Run("viewer catalogue", chromedp.Navigate(v.Base+"/catalogue"), bt.WaitText(`main`, "E-LINE"))
	v.ExpectTrue("viewer has no create button", `document.querySelector('a[href="/catalogue/eline"]') === null`)
	v.Run("viewer service detail", chromedp.Navigate(v.Base+"/services/eline-001"), bt.WaitText(`main`, "Run history"))
	v.ExpectTrue("viewer has no modify or delete", `![...document.querySelectorAll('main button, main a')].some(b => /Delete|Modify|Re-deploy/.test(b.textContent))`)
	v.ExpectTrue("viewer role shown", `document.querySelector('.who .role').textContent === 'viewer'`)
	v.Shot("viewer-service")
}

// TestBrowserFakeRecovery drives what an operator does when things go wrong: a message only
// the server's preview finds stays at its field while the background check runs; a taken id
// is reported at the id field; a commit that fails keeps the input (also across a reload) and
// leaves a failed service that can be modified and deleted (ETag "0"); a 412 offers Reload.
func TestBrowserFakeRecovery(t *testing.T) {
	ctx, dir := bt.Start(t)
	srv, fake := newFakeServer(t)
	p := &bt.Page{T: t, Ctx: ctx, Base: srv.URL, Dir: dir}
	p.SignIn("op-token")

	fill := func(id string, vlan string) bt.Step {
		return chromedp.Steps(
			chromedp.Navigate(p.Base+"/catalogue/eline"),
			chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
			bt.Fill(`#svc-id`, id),
			bt.Fill(bt.FieldSel("/customer", "input"), "Umbrella"),
			bt.Choose(bt.FieldSel("/endpoints/0/device", "select"), "pe1"),
			bt.Choose(bt.FieldSel("/endpoints/0/port", "select"), "ge-0/0/2"),
			bt.Fill(bt.FieldSel("/endpoints/0/vlan", "input"), vlan),
			bt.Choose(bt.FieldSel("/endpoints/1/device", "select"), "sr1"),
			bt.Choose(bt.FieldSel("/endpoints/1/port", "select"), "1/1/1"),
			bt.Fill(bt.FieldSel("/endpoints/1/vlan", "input"), "100"),
			bt.WaitJS(`[...document.querySelectorAll('.field .msg')].every(m => m.hidden)`),
		)
	}
	// A port that already carries eline-060 was chosen above: a second VLAN service on it.
	p.Run("a message only the preview finds", fill("rec-1", "999"),
		bt.Click(`form.svcform button[type=submit]`),
		bt.WaitText(`[data-pointer="/endpoints/0/vlan"] .msg`, "VLAN 999 is reserved on pe1"),
		bt.WaitText(`.formstatus`, "Not previewed: the server found 1 problem"),
	)
	p.ExpectTrue("no HTTP title or regex is shown", `!/Unprocessable|\^/.test(document.querySelector('main').innerText)`)
	checks := evalInt(p, `Number(document.querySelector('.genform').dataset.checks || 0)`)
	p.Run("the background check does not wipe it",
		bt.Fill(bt.FieldSel("/customer", "input"), "Umbrella Corp"),
		bt.WaitJS(fmt.Sprintf(`Number(document.querySelector('.genform').dataset.checks || 0) > %d`, checks)),
		bt.WaitText(`[data-pointer="/endpoints/0/vlan"] .msg`, "VLAN 999 is reserved on pe1"),
	)
	p.Shot("recovery-1-server-message-kept")
	p.Run("changing the field clears it",
		bt.Fill(bt.FieldSel("/endpoints/0/vlan", "input"), "101"),
		bt.WaitJS(`document.querySelector('[data-pointer="/endpoints/0/vlan"] .msg').hidden`),
	)

	p.Run("a pattern message names no regex",
		chromedp.Navigate(p.Base+"/catalogue/l3vpn"),
		chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
		bt.Click(`//button[@role="tab"][normalize-space()="Sites"]`),
		bt.Fill(bt.FieldSel("/sites/0/address", "input"), "not-an-address"),
		bt.WaitJS(`!document.querySelector('[data-pointer="/sites/0/address"] .msg').hidden`),
	)
	p.ExpectTrue("the pattern message is plain", `(() => { const t = document.querySelector('[data-pointer="/sites/0/address"] .msg').textContent; return t.startsWith('Not in the expected form') && !t.includes('^') && !t.includes('\\d'); })()`)

	p.Run("a taken id is reported at the id field", fill("eline-001", "120"),
		bt.Click(`form.svcform button[type=submit]`),
		bt.WaitText(`[data-pointer="/id"] .msg`, "exists already"),
		bt.WaitJS(`document.activeElement.id === 'svc-id' && document.activeElement.getAttribute('aria-invalid') === 'true'`),
	)
	p.Shot("recovery-2-id-taken")

	// A commit the device refuses: the run says so, the failed step is drawn failed, and the
	// input is kept for a retry, also after a reload.
	p.Run("a commit that fails", fill("rec-2", "666"),
		bt.Click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
		bt.Click(`#commit`),
		bt.WaitJS(`!!document.querySelector('.outcome .banner.st-failed')`),
		bt.WaitJS(`!!document.querySelector('ol.steps li.ph-failed') && !document.querySelector('ol.steps li.ph-begin')`),
		bt.WaitText(`main dl.facts`, "Elapsed"),
		bt.WaitText(`main .actions`, "your input is kept"),
		bt.WaitText(`main .actions .note`, "stays on record as failed and keeps its id"),
	)
	p.A11y("run-failed")
	p.Shot("recovery-3-run-failed")
	p.Run("back to the form: the input is there",
		bt.Click(`//a[contains(., "your input is kept")]`),
		chromedp.WaitVisible(chromedp.CSS(`.draftnote`)),
		bt.WaitJS(`document.querySelector('[data-pointer="/endpoints/0/vlan"] input').value === '666'`),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`.draftnote`)),
		bt.WaitJS(`document.querySelector('#svc-id').value === 'rec-2' && document.querySelector('[data-pointer="/customer"] input').value === 'Umbrella'`),
		bt.WaitJS(`document.querySelector('[data-pointer="/endpoints/0/port"] select').value === 'ge-0/0/2'`),
	)
	p.Shot("recovery-4-draft-after-reload")

	// The failed create left rec-2 at version 0: its page explains, modify and delete work.
	p.Run("the failed service's page",
		chromedp.Navigate(p.Base+"/services/rec-2"),
		bt.WaitText(`main .failed-note`, "The create of this service failed"),
		bt.Click(`a[href="/services/rec-2/modify"]`),
		chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
		bt.Fill(bt.FieldSel("/endpoints/0/vlan", "input"), "130"),
		bt.Click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
		bt.WaitText(`.plan`, "unit 130"),
	)
	p.Run("delete the other failed service (ETag 0)",
		chromedp.Navigate(p.Base+"/services/eline-failed"),
		bt.WaitText(`main .failed-note`, "The create of this service failed"),
		bt.Click(`//main//button[normalize-space()="Delete"]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
	)
	confirmDelete(p, "eline-failed")
	p.Run("the delete commits", bt.Click(`#commit`), bt.WaitText(`main`, "The service is deleted"))

	// Someone else changes the service between load and preview: 412, with a Reload.
	p.Run("open a modify form", chromedp.Navigate(p.Base+"/services/eline-002/modify"), chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
		bt.WaitJS(`document.querySelector('[data-pointer="/endpoints/0/port"] select').value === 'xe-0/0/1'`),
		bt.Fill(bt.FieldSel("/endpoints/0/vlan", "input"), "1402"))
	fake.mu.Lock()
	fake.services["eline-002"].Version++
	fake.mu.Unlock()
	p.Run("a 412 offers Reload",
		bt.Click(`form.svcform button[type=submit]`),
		bt.WaitText(`main .error`, "Someone changed this service meanwhile"),
		bt.Click(`//main//div[contains(@class,"error")]//button[normalize-space()="Reload"]`),
		chromedp.WaitVisible(chromedp.CSS(`.draftnote`)),
		bt.WaitText(`.draftnote`, "version 1 to 2"),
		bt.WaitJS(`document.querySelector('[data-pointer="/endpoints/0/vlan"] input').value === '1402'`),
		bt.Click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
	)
	p.Shot("recovery-5-after-reload")
}

func evalInt(p *bt.Page, expr string) int {
	p.T.Helper()
	n, err := chromedp.Run(p.Ctx, chromedp.Evaluate[int](expr))
	if err != nil {
		p.T.Fatalf("%s: %v", expr, err)
	}
	return n
}

// TestBrowserRunsDashboard: the dashboard shows services by state, the runs in progress and
// failed, and the fullest pools first; the runs page filters, shows elapsed time, cancels a
// run in progress and retries a failed one through a fresh preview.
func TestBrowserRunsDashboard(t *testing.T) {
	ctx, dir := bt.Start(t)
	srv, _ := newFakeServer(t)
	p := &bt.Page{T: t, Ctx: ctx, Base: srv.URL, Dir: dir}
	p.SignIn("op-token")
	p.Run("the dashboard",
		bt.WaitText(`main .tiles`, "in progress"),
		bt.WaitJS(`[...document.querySelectorAll('.tiles .tile')].some(t => t.innerText.includes('failed runs') && t.querySelector('.num').textContent === '1')`),
		bt.WaitJS(`[...document.querySelectorAll('.tiles .tile')].some(t => t.innerText.includes('in progress') && t.querySelector('.num').textContent === '1')`),
		bt.WaitText(`main`, "run-live"),
		bt.WaitText(`main`, "run-old-fail"),
	)
	p.ExpectTrue("the fullest pool comes first", `document.querySelector('.poolbars li .poolname').textContent === 'rd · 65000'`)
	p.A11y("dashboard")
	p.Shot("dashboard")

	p.Run("the runs page",
		bt.Click(`nav#nav a[href="/runs"]`),
		bt.WaitText(`main h1`, "Runs"),
		bt.WaitJS(`document.querySelector('table.runs')`),
		bt.WaitText(`main .totals`, "1 in progress"),
	)
	p.ExpectTrue("elapsed time of the run in progress", `(() => { const r = [...document.querySelectorAll('table.runs tbody tr')].find(r => r.cells[0].innerText === 'run-live'); return r && /min|s$/.test(r.cells[6].innerText); })()`)
	p.A11y("runs")
	p.Shot("runs")
	p.Run("cancel the run in progress",
		bt.Click(`button[aria-label="Cancel run run-live"]`),
		bt.WaitJS(`[...document.querySelectorAll('table.runs tbody tr')].some(r => r.cells[0].innerText === 'run-live' && r.cells[3].innerText === 'cancelled')`),
	)
	p.Run("filter the failed runs",
		bt.Choose(`#state`, "failed"),
		bt.Submit(`#state`),
		bt.WaitJS(`document.querySelectorAll('table.runs tbody tr').length === 1 && document.querySelector('table.runs tbody tr').cells[0].innerText === 'run-old-fail'`),
	)
	p.Run("retry it: a fresh preview",
		bt.Click(`button[aria-label="Retry run run-old-fail (preview first)"]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
		bt.WaitText(`main h1`, "Modify eline-005"),
	)
	p.Shot("runs-retry-plan")
}

// TestBrowserServicesAtScale: the services list searches words in descriptions without
// regard to case, shows the total, sorts by a column header, keeps its page number across a
// reload, saves a filter, exports CSV, and audits and re-deploys a selection.
func TestBrowserServicesAtScale(t *testing.T) {
	ctx, dir := bt.Start(t)
	srv, _ := newFakeServer(t)
	p := &bt.Page{T: t, Ctx: ctx, Base: srv.URL, Dir: dir}
	p.SignIn("op-token")
	p.Run("the list says how many there are",
		chromedp.Navigate(p.Base+"/services"),
		bt.WaitText(`main .totals`, "61 services match."),
		bt.WaitText(`table.services caption`, "Services 1–50 of 61, page 1 of 2"),
	)
	p.A11y("services-scale")
	p.Run("page 2 keeps its number across a reload",
		bt.Click(`//a[contains(., "Next page")]`),
		bt.WaitText(`main .pager`, "Page 2 of 2"),
		chromedp.Reload(),
		bt.WaitText(`main .pager`, "Page 2 of 2"),
		bt.WaitText(`table.services caption`, "Services 51–61 of 61"),
	)
	p.Run("search a word of the descriptions, in other case",
		chromedp.Navigate(p.Base+"/services"),
		chromedp.WaitVisible(chromedp.CSS(`#q`)),
		bt.Fill(`#q`, "AMSTERDAM"),
		bt.Submit(`#q`),
		bt.WaitText(`main .totals`, "12 services match these filters."),
		bt.WaitJS(`[...document.querySelectorAll('table.services tbody tr')].every(r => r.innerText.includes('Amsterdam DC link'))`),
	)
	p.Run("search a VLAN and a device together",
		bt.Fill(`#q`, "1042 sr1"),
		bt.Submit(`#q`),
		bt.WaitText(`main .totals`, "1 service matches these filters."),
		bt.WaitText(`table.services tbody`, "eline-042"),
		bt.WaitText(`table.services tbody`, "sr1 1/1/3 VLAN 1042"),
	)
	p.Run("sort by id with the column header",
		chromedp.Navigate(p.Base+"/services?q=amsterdam"),
		bt.WaitText(`main .totals`, "12 services"),
		bt.Click(`table.services thead th:nth-child(2) a`),
		bt.WaitJS(`document.querySelector('table.services thead th:nth-child(2)').getAttribute('aria-sort') === 'ascending'`),
		bt.WaitJS(`document.querySelector('table.services tbody tr td:nth-child(2)').innerText === 'eline-005'`),
		bt.Click(`table.services thead th:nth-child(2) a`),
		bt.WaitJS(`document.querySelector('table.services tbody tr td:nth-child(2)').innerText === 'eline-060'`),
	)
	p.Run("save the filter",
		bt.Fill(`#save-name`, "Amsterdam links"),
		bt.Submit(`#save-name`),
		bt.WaitText(`.savedbar`, "Amsterdam links"),
		chromedp.Navigate(p.Base+"/services"),
		bt.Click(`//ul[contains(@class,"saved")]//a[normalize-space()="Amsterdam links"]`),
		bt.WaitText(`main .totals`, "12 services match these filters."),
	)
	p.Run("export what the filters select as CSV",
		bt.Eval(`(() => { window.__csv = ''; const o = URL.createObjectURL; URL.createObjectURL = (b) => { b.text().then(t => { window.__csv = t; }); return o.call(URL, b); }; return true; })()`),
		bt.Click(`//button[normalize-space()="Export CSV"]`),
		bt.WaitJS(`window.__csv.split('\r\n').filter(Boolean).length === 13`),
	)
	csv := evalString(p, `window.__csv`)
	if !strings.HasPrefix(csv, "id,type,customer,description,state,version,endpoints,updated\r\n") || !strings.Contains(csv, "eline-005,eline,Customer 5,Amsterdam DC link 5,active,1,") {
		t.Errorf("CSV export:\n%s", csv)
	}
	p.Run("audit two selected services",
		bt.Click(`input.pick[value="eline-060"]`),
		bt.Click(`input.pick[value="eline-055"]`),
		bt.WaitText(`.bulkbar`, "2 selected"),
		bt.Click(`//div[contains(@class,"bulkbar")]//button[normalize-space()="Audit 2"]`),
		bt.WaitJS(`document.querySelectorAll('.bulkresult tbody tr').length === 2 && [...document.querySelectorAll('.bulkresult tbody tr')].every(r => r.innerText.includes('drifted'))`),
	)
	p.Shot("services-bulk-audit")
	p.Run("re-deploy them: previews, then one commit",
		bt.Click(`//div[contains(@class,"bulkbar")]//button[normalize-space()="Re-deploy 2 (preview)"]`),
		bt.WaitJS(`[...document.querySelectorAll('.bulkresult tbody tr')].filter(r => r.innerText.includes('planned')).length === 2`),
		bt.Click(`//section[contains(@class,"bulkresult")]//button[contains(., "Commit 2 re-deploys")]`),
		bt.WaitJS(`[...document.querySelectorAll('.bulkresult tbody tr')].filter(r => r.innerText.includes('committed')).length === 2`),
	)
	p.A11y("services-bulk")
	p.Shot("services-bulk-redeploy")
}

func evalString(p *bt.Page, expr string) string {
	p.T.Helper()
	s, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		p.T.Fatalf("%s: %v", expr, err)
	}
	return s
}

// TestBrowserThemeAndKeys: the accessibility check finds what it must (so its silence on the
// other pages means something); dark mode follows the system or the header's choice and
// passes the same check; the focus ring has 3:1 in both themes; "/" and "n" work.
func TestBrowserThemeAndKeys(t *testing.T) {
	ctx, dir := bt.Start(t)
	srv, _ := newFakeServer(t)
	p := &bt.Page{T: t, Ctx: ctx, Base: srv.URL, Dir: dir}
	p.SignIn("op-token")
	p.Run("plant problems", bt.Eval(`(() => { const m = document.querySelector('main');
		const a = document.createElement('p'); a.style.color = '#c8c8c8'; a.textContent = 'faint text'; m.append(a);
		const b = document.createElement('button'); b.className = 'planted'; m.append(b);
		const c = document.createElement('input'); c.type = 'text'; m.append(c); return true; })()`))
	got := strings.Join(p.A11yProblems(), "\n")
	for _, want := range []string{`contrast`, `"faint text"`, `no accessible name: <button class="planted">`, `no label: <input type="text">`} {
		if !strings.Contains(got, want) {
			t.Errorf("the accessibility check misses %s; it says:\n%s", want, got)
		}
	}
	p.Run("the light theme", chromedp.Navigate(p.Base+"/dashboard"), bt.WaitText(`main h1`, "Dashboard"), bt.WaitText(`main`, "Pool pressure"))
	p.FocusRing("dashboard, light")
	p.Run("the system asks for dark", chromedp.Navigate(p.Base+"/dashboard"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
			return err
		}),
		bt.WaitJS(`getComputedStyle(document.documentElement).backgroundColor === 'rgb(11, 18, 32)'`))
	p.Run("the header overrides it", bt.Choose(`#theme`, "light"), bt.WaitJS(`getComputedStyle(document.documentElement).backgroundColor === 'rgb(246, 247, 249)'`))
	p.Run("and chooses dark", bt.Choose(`#theme`, "dark"), bt.WaitJS(`document.documentElement.dataset.theme === 'dark'`),
		chromedp.Reload(), bt.WaitText(`main`, "Pool pressure"), bt.WaitJS(`getComputedStyle(document.documentElement).backgroundColor === 'rgb(11, 18, 32)'`))
	for _, pg := range []struct{ path, want string }{
		{"/dashboard", "Pool pressure"}, {"/services", "services match"}, {"/runs", "in progress"}, {"/services/eline-060", "Versions"},
		{"/catalogue/eline", "Preview changes"}, {"/inventory/pe1", "Services on this device"}, {"/reports", "Service endpoints by vendor"},
	} {
		name := "dark" + strings.ReplaceAll(pg.path, "/", "-")
		p.Run("dark "+pg.path, chromedp.Navigate(p.Base+pg.path), bt.WaitText(`main`, pg.want))
		p.A11y(name)
		p.Shot(name)
	}
	p.FocusRing("services, dark")
	p.Run("keyboard: / searches services",
		chromedp.Navigate(p.Base+"/dashboard"), bt.WaitText(`main h1`, "Dashboard"),
		chromedp.KeyEvent("/"),
		bt.WaitJS(`location.pathname === '/services' && document.activeElement && document.activeElement.id === 'q'`),
	)
	p.Run("keyboard: n starts a new service",
		bt.Click(`main h1`),
		chromedp.KeyEvent("n"),
		bt.WaitJS(`location.pathname === '/catalogue'`),
		bt.WaitText(`main h1`, "Service catalogue"),
	)
}

// TestBrowserNarrow: below 1440 px (here 900 px) tables keep their words whole ("activ e" was
// the complaint): a badge or a header stays on one line and a table too wide for the screen
// scrolls inside its wrapper, never the page.
func TestBrowserNarrow(t *testing.T) {
	ctx, dir := bt.Start(t)
	srv, _ := newFakeServer(t)
	p := &bt.Page{T: t, Ctx: ctx, Base: srv.URL, Dir: dir}
	p.SignIn("op-token")
	p.Run("a 900 px window", chromedp.EmulateViewport(900, 800))
	for _, pg := range []struct{ path, want string }{{"/services", "services match"}, {"/runs", "in progress"}, {"/dashboard", "Pool pressure"}, {"/inventory/pe1", "Services on this device"}} {
		name := "narrow" + strings.ReplaceAll(pg.path, "/", "-")
		p.Run("open "+pg.path+" at 900 px", chromedp.Navigate(p.Base+pg.path), bt.WaitText(`main`, pg.want))
		p.ExpectTrue(pg.path+": the page does not scroll sideways", `document.documentElement.scrollWidth <= document.documentElement.clientWidth`)
		p.ExpectTrue(pg.path+": badges and headers keep one line", `[...document.querySelectorAll('table.data .badge, table.data th')].every(e => e.getClientRects().length === 1 && e.getBoundingClientRect().height < 2.2 * parseFloat(getComputedStyle(e).lineHeight || '20'))`)
		p.ExpectTrue(pg.path+": no word is broken across lines", `[...document.querySelectorAll('table.data td')].every(td => td.scrollWidth <= td.clientWidth + 1)`)
		p.Shot(name)
	}
}
