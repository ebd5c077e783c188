package web_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"golang.org/x/crypto/ssh/knownhosts"

	junossim "github.com/xprov/xprov/adapters/junos/sim"
	samsim "github.com/xprov/xprov/adapters/sam/sim"
	"github.com/xprov/xprov/ui/server"
	bt "github.com/xprov/xprov/ui/web/internal/browsertest"
)

// lab is the whole product in this process, as `xprov serve` runs it from a config file:
// ui/server with its SQLite store, the bundled packs, the engine and the real Junos and SAM
// adapters, pointed at simulators the test owns so that it can look at what the network
// holds through the simulators' own API.
type lab struct {
	fleet *junossim.Fleet
	sam   *samsim.Server
	srv   *server.Instance
}

// samClasses are the SAM-O classes the bundled E-LINE and L3VPN packs create.
var samClasses = []string{"epipe.Epipe", "epipe.Site", "vll.L2AccessInterface", "svt.SpokeSdpBinding",
	"vprn.Vprn", "vprn.Site", "vprn.L3AccessInterface", "vprn.StaticRoute", "bgp.Peer"}

func startLab(t *testing.T) *lab {
	t.Helper()
	var b [12]byte
	_, _ = rand.Read(b[:])
	password := hex.EncodeToString(b[:])
	fleet, err := junossim.NewFleet(junossim.FleetOptions{Devices: 2, Listen: "127.0.0.1:0", NamePrefix: "pe",
		Template: junossim.Options{User: "lab", Password: password, Ports: 10}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fleet.Close() })
	sam := samsim.New(samsim.Options{Nodes: 3, PortsPerNode: 10, User: "admin", Password: password, Customers: []int{1, 2, 3, 42}})
	if err := sam.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sam.Close() })

	dir := t.TempDir()
	cfg := server.Config{Listen: "127.0.0.1:0", DB: filepath.Join(dir, "xprov.db"), KnownHosts: filepath.Join(dir, "known_hosts"),
		SAMs: []server.SAMConfig{{Name: "sam1", URL: sam.InvokeURL(), User: "admin", PasswordEnv: "LAB_PASSWORD"}}}
	var hosts []string
	for _, d := range fleet.Devices() {
		cfg.Devices = append(cfg.Devices, server.DeviceConfig{Name: d.Name(), Address: d.Addr(), User: "lab", PasswordEnv: "LAB_PASSWORD"})
		hosts = append(hosts, knownhosts.Line([]string{d.Addr()}, d.HostKey()))
	}
	if err := os.WriteFile(cfg.KnownHosts, []byte(strings.Join(hosts, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	srv, err := server.Start(ctx, server.Options{Config: cfg, Getenv: func(k string) string {
		if k == "LAB_PASSWORD" {
			return password
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	if srv.Token == "" {
		t.Fatal("no admin token was created on a new database")
	}
	return &lab{fleet: fleet, sam: sam, srv: srv}
}

// samCounts counts the SAM objects of the packs' classes.
func (l *lab) samCounts() map[string]int {
	out := map[string]int{}
	for _, c := range samClasses {
		out[c] = l.sam.Count(c)
	}
	return out
}

// liveRecorder records, in every document of the tab, what the console's event streams
// receive and how the run page's outcome and steps change, so that a test can tell that the
// page followed a run through server-sent events, not only by polling.
const liveRecorder = `(() => {
  if (window.__live) return;
  const live = window.__live = { streams: [], events: [], views: [] };
  const Orig = window.EventSource;
  const types = ['run.pending', 'run.running', 'run.step', 'run.succeeded', 'run.failed', 'run.cancelled', 'run.rolled-back'];
  window.EventSource = class extends Orig {
    constructor(url, init) {
      super(url, init);
      const s = { url: String(url), opened: false };
      live.streams.push(s);
      this.addEventListener('open', () => { s.opened = true; });
      const rec = (ev) => { let d = {}; try { d = JSON.parse(ev.data); } catch (e) { /* not JSON */ } live.events.push({ type: ev.type, run: d.run_id || '' }); };
      for (const t of types) this.addEventListener(t, rec);
    }
  };
  const look = () => {
    const b = document.querySelector('.outcome .banner');
    if (!b) return;
    const v = { path: location.pathname, state: [...b.classList].find((c) => c.startsWith('st-')) || '',
      done: document.querySelectorAll('ol.steps li.ph-done').length, events: live.events.filter((e) => location.pathname === '/runs/' + e.run).length };
    const last = live.views[live.views.length - 1];
    if (!last || last.path !== v.path || last.state !== v.state || last.done !== v.done) live.views.push(v);
  };
  const start = () => new MutationObserver(look).observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
})()`

func recordLive() bt.Step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		now := true // also in the document open now
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: liveRecorder, RunImmediately: &now})
		return err
	})
}

// text returns the inner text of the first element sel matches ("" when none does).
func text(p *bt.Page, sel string) string {
	p.T.Helper()
	s, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.innerText : ''; })()`, bt.JSQ(sel))))
	if err != nil {
		p.T.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// targetPlan returns the native text the plan shows for one target.
func targetPlan(p *bt.Page, target string) string {
	return text(p, fmt.Sprintf(`.plan section.target[aria-label="Changes on %s"] pre`, target))
}

// preview submits the service form and waits for the plan.
func preview(p *bt.Page, what string) {
	p.T.Helper()
	p.Run("preview the "+what,
		bt.Click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
		bt.WaitJS(`document.activeElement && document.activeElement.id === 'commit'`),
	)
	p.T.Logf("%s plan:\n%s", what, text(p, `.plan`))
}

// commitLive commits the plan on screen, follows the run page to success, and checks that
// the page was driven by the run's events: its stream opened with the token in the query,
// received run.step events and the final run.succeeded of this run, and showed the run in
// progress, after an event of it, before it showed it done. The run must last long enough
// for that (see SetCommitDelay in the test).
func commitLive(p *bt.Page, shot string) (runID string) {
	p.T.Helper()
	p.Run("commit and follow the run",
		bt.Click(`#commit`),
		bt.WaitJS(`location.pathname.startsWith('/runs/')`),
		chromedp.WaitVisible(chromedp.CSS(`.outcome .banner`)),
		bt.WaitJS(`!!document.querySelector('.outcome .banner.st-succeeded, .outcome .banner.st-failed, .outcome .banner.st-rolled-back')`),
	)
	runID = strings.TrimPrefix(p.URL()[len(p.Base):], "/runs/")
	if out := text(p, `.outcome`); !strings.Contains(out, "Done: every device committed the change.") {
		p.Shot(shot)
		p.T.Fatalf("run %s did not succeed; the page says: %s", runID, out)
	}
	p.Run("steps and targets shown",
		bt.WaitText(`ol.steps`, "Commit on pe1"),
		bt.WaitText(`ol.steps`, "Commit on sam1"),
		bt.WaitText(`ol.steps`, "Record the service"),
	)
	p.A11y("run")
	p.Shot(shot)

	var live struct {
		Streams []struct {
			URL    string `json:"url"`
			Opened bool   `json:"opened"`
		} `json:"streams"`
		Events []struct{ Type, Run string } `json:"events"`
		Views  []struct {
			Path   string `json:"path"`
			State  string `json:"state"`
			Done   int    `json:"done"`
			Events int    `json:"events"`
		} `json:"views"`
	}
	// The final event can trail the page's own read of the finished run by a moment.
	p.Run("the run's final event reached the page", bt.WaitJS(fmt.Sprintf(`window.__live && window.__live.events.some(e => e.type === 'run.succeeded' && e.run === %s)`, bt.JSQ(runID))))
	raw, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`JSON.stringify(window.__live)`))
	if err != nil {
		p.T.Fatal(err)
	}
	if err := json.Unmarshal([]byte(raw), &live); err != nil {
		p.T.Fatal(err)
	}
	opened := slices.ContainsFunc(live.Streams, func(s struct {
		URL    string `json:"url"`
		Opened bool   `json:"opened"`
	}) bool {
		// The session cookie authenticates the stream: no token in its URL.
		return s.Opened && strings.Contains(s.URL, "/api/v1/events?") && strings.Contains(s.URL, "run="+runID) && !strings.Contains(s.URL, "access_token")
	})
	steps := 0
	for _, e := range live.Events {
		if e.Run == runID && e.Type == "run.step" {
			steps++
		}
	}
	running := slices.ContainsFunc(live.Views, func(v struct {
		Path   string `json:"path"`
		State  string `json:"state"`
		Done   int    `json:"done"`
		Events int    `json:"events"`
	}) bool {
		return v.Path == "/runs/"+runID && v.State == "st-running" && v.Done > 0
	})
	// The page re-rendered from stream events (not only from its polling). Whether an event
	// lands while the run is still running depends on the machine's load, so that is not
	// required: showing progress while running, and re-rendering on events, both are.
	eventDriven := slices.ContainsFunc(live.Views, func(v struct {
		Path   string `json:"path"`
		State  string `json:"state"`
		Done   int    `json:"done"`
		Events int    `json:"events"`
	}) bool {
		return v.Path == "/runs/"+runID && v.Events > 0
	})
	p.T.Logf("run %s: event streams %+v, %d run.step events, page views %+v", runID, live.Streams, steps, live.Views)
	if !opened || steps == 0 || !running || !eventDriven {
		p.T.Errorf("run %s: the page did not follow the run live: stream opened by cookie, without a token in its URL %v, run.step events %d, progress shown while running %v, re-rendered on events %v",
			runID, opened, steps, running, eventDriven)
	}
	return runID
}

// serviceDetail opens a service's page from the run page and checks its state and that it
// lists owned configuration for each target.
func serviceDetail(p *bt.Page, id, state string, targets []string, owned []string, shot string) {
	p.T.Helper()
	p.Run("open the service",
		bt.Click(fmt.Sprintf(`main a[href="/services/%s"]`, id)),
		bt.WaitText(`main h1`, id),
		bt.WaitText(`main`, "Run history"),
		bt.WaitJS(`![...document.querySelectorAll('main section')].some(s => s.innerText.includes('Loading…'))`),
	)
	p.ExpectTrue("service state is "+state, fmt.Sprintf(`[...document.querySelectorAll('main dd, main .badge')].some(e => e.innerText.trim() === %s)`, bt.JSQ(state)))
	cfg := evalString(p, `[...document.querySelectorAll('main section')].find(s => s.querySelector('h2') && s.querySelector('h2').textContent === 'Owned configuration').textContent`)
	for _, tg := range targets {
		if !strings.Contains(cfg, tg) {
			p.Shot("failure-owned-" + tg)
			p.T.Fatalf("owned configuration lacks target %s:\n%s", tg, cfg)
		}
	}
	for _, w := range owned {
		if !strings.Contains(cfg, w) {
			p.Shot("failure-owned")
			p.T.Fatalf("owned configuration lacks %q:\n%s", w, cfg)
		}
	}
	p.A11y("detail")
	p.Shot(shot)
}

func evalString(p *bt.Page, expr string) string {
	p.T.Helper()
	s, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		p.T.Fatalf("%s: %v", expr, err)
	}
	return s
}

// deleteService deletes the service shown on screen: preview, commit, gone.
func deleteService(p *bt.Page, id, typ string) {
	p.T.Helper()
	p.Run("delete: preview",
		chromedp.Navigate(p.Base+"/services/"+id),
		bt.WaitText(`main h1`, id),
		bt.Click(`//main//button[normalize-space()="Delete"]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
		bt.WaitJS(`document.activeElement && document.activeElement.id === 'confirm-id'`),
		bt.WaitText(`.danger-zone`, "Endpoints freed"),
	)
	p.ExpectTrue("the delete is not armed before the id is typed", `document.querySelector('#commit').disabled`)
	p.Run("type the id", bt.Fill(`#confirm-id`, id), bt.WaitJS(`!document.querySelector('#commit').disabled`))
	p.T.Logf("delete plan:\n%s", text(p, `.danger-zone`)+"\n"+text(p, `.plan`))
	p.Shot(typ + "-7-plan-delete")
	commitLive(p, typ+"-8-run-delete")
	p.Run("deleted", bt.WaitText(`main`, "The service is deleted"))
	p.Run("the service is gone from the list",
		chromedp.Navigate(p.Base+"/services"),
		bt.WaitText(`main h1`, "Services"),
		bt.WaitJS(`document.querySelector('table.services tbody') || document.querySelector('main .empty, main p')`),
	)
	p.ExpectTrue("no link to "+id, fmt.Sprintf(`document.querySelector('main a[href="/services/%s"]') === null`, id))
	p.Run("its page says so",
		chromedp.Navigate(p.Base+"/services/"+id),
		bt.WaitJS(`!!document.querySelector('main [role=alert], main .error, main .problem')`),
	)
	p.Shot(typ + "-9-gone")
}

// TestBrowserFullStack drives the console served by the real server (store, bundled packs,
// engine, Junos and SAM adapters against simulators) in Chromium: create → preview →
// commit → modify → delete of a multi-vendor E-LINE and of an L3VPN, checking what each page
// shows and what the simulated devices hold after each commit.
func TestBrowserFullStack(t *testing.T) {
	ctx, dir := bt.Start(t)
	l := startLab(t)
	pe1 := l.fleet.Device("pe1")
	baseJunos := pe1.RunningSet()
	baseSAM := l.samCounts()
	// Every run of this test commits on pe1; a slow commit there keeps each run visibly in
	// progress for a while, so the run page must follow it through its events (a run that is
	// over before the page opens is shown without a stream).
	pe1.SetCommitDelay(500 * time.Millisecond)

	p := &bt.Page{T: t, Ctx: ctx, Base: l.srv.URL, Dir: dir}
	p.Run("record event streams", recordLive())
	p.SignIn(l.srv.Token)
	p.Shot("services-empty")

	// E-LINE: pe1 (Junos) ↔ sr1 (7750 behind sam1).
	p.Run("open the E-LINE form",
		chromedp.Navigate(p.Base+"/catalogue"),
		bt.Click(`a[href="/catalogue/eline"]`),
		chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
		bt.Fill(`#svc-id`, "eline-fs-1"),
		bt.Fill(bt.FieldSel("/customer", "input"), "CUST-1"),
		bt.Choose(bt.FieldSel("/endpoints/0/device", "select"), "pe1"),
		bt.Choose(bt.FieldSel("/endpoints/0/port", "select"), "ge-0/0/1"),
		bt.Fill(bt.FieldSel("/endpoints/0/vlan", "input"), "100"),
		bt.Choose(bt.FieldSel("/endpoints/1/device", "select"), "sr1"),
		chromedp.WaitReady(chromedp.CSS(bt.FieldSel("/endpoints/1/port", `select[data-ready=true] option[value="1/1/1"]`))),
	)
	// The port picker lists the chosen device's ports from inventory, and only those that
	// can take the service: the simulated SAM keeps each node's last port admin-down.
	p.ExpectTrue("sr1's ports are offered", `[...document.querySelectorAll('[data-pointer="/endpoints/1/port"] option')].some(o => o.value === '1/1/9' && !o.disabled)`)
	p.ExpectTrue("the admin-down port cannot be chosen", `(() => { const o = document.querySelector('[data-pointer="/endpoints/1/port"] option[value="1/1/10"]'); return !o || o.disabled; })()`)
	p.ExpectTrue("pe1's ports are not offered for sr1", `!document.querySelector('[data-pointer="/endpoints/1/port"] option[value="ge-0/0/1"]')`)
	p.Run("fill the second endpoint",
		bt.Choose(bt.FieldSel("/endpoints/1/port", "select"), "1/1/1"),
		bt.Fill(bt.FieldSel("/endpoints/1/vlan", "input"), "100"),
		bt.WaitJS(`[...document.querySelectorAll('.field .msg')].every(m => m.hidden)`),
	)
	p.A11y("eline-form")
	p.Shot("eline-1-form")
	preview(p, "E-LINE create")
	if s := targetPlan(p, "pe1"); !strings.Contains(s, "set interfaces ge-0/0/1 unit 100 vlan-id 100") || !strings.Contains(s, "set protocols l2circuit neighbor 10.255.2.1 interface ge-0/0/1.100") {
		t.Errorf("pe1's plan lacks the unit or the l2circuit:\n%s", s)
	}
	if s := targetPlan(p, "sam1"); !strings.Contains(s, "epipe.Epipe") || !strings.Contains(s, "1/1/1") {
		t.Errorf("sam1's plan lacks the epipe on 1/1/1:\n%s", s)
	}
	p.A11y("eline-plan")
	p.Shot("eline-2-plan")
	if !slices.Equal(pe1.RunningSet(), baseJunos) || !mapsEqual(l.samCounts(), baseSAM) {
		t.Fatal("a preview changed the network")
	}

	commitLive(p, "eline-3-run-create")
	if !pe1.RunningHas("set interfaces ge-0/0/1 unit 100 vlan-id 100") {
		t.Errorf("pe1 does not hold unit 100 after the create:\n%s", strings.Join(pe1.RunningSet(), "\n"))
	}
	if got := l.sam.Count("epipe.Epipe"); got != baseSAM["epipe.Epipe"]+1 {
		t.Errorf("sam1 holds %d epipes after the create, want %d", got, baseSAM["epipe.Epipe"]+1)
	}
	serviceDetail(p, "eline-fs-1", "active", []string{"pe1", "sam1"}, []string{"ge-0/0/1", "unit[100]", "epipe.Epipe"}, "eline-4-detail")

	p.Run("modify: the form is prefilled",
		bt.Click(`a[href="/services/eline-fs-1/modify"]`),
		chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
		bt.WaitJS(`document.querySelector('[data-pointer="/endpoints/0/port"] select').value === 'ge-0/0/1'`),
		bt.WaitJS(`document.querySelector('[data-pointer="/endpoints/1/port"] select').value === '1/1/1'`),
		bt.WaitJS(`document.querySelector('[data-pointer="/customer"] input').value === 'CUST-1'`),
		bt.Fill(bt.FieldSel("/endpoints/0/vlan", "input"), "200"),
		bt.Fill(bt.FieldSel("/endpoints/1/vlan", "input"), "200"),
	)
	p.A11y("eline-modify-form")
	preview(p, "E-LINE modify")
	pePlan, samPlan := targetPlan(p, "pe1"), targetPlan(p, "sam1")
	for _, want := range []string{"delete interfaces ge-0/0/1 unit 100", "set interfaces ge-0/0/1 unit 200 vlan-id 200"} {
		if !strings.Contains(pePlan, want) {
			t.Errorf("pe1's modify plan lacks %q:\n%s", want, pePlan)
		}
	}
	// Minimal: what does not depend on the VLAN stays (the physical port's encapsulation,
	// the epipe itself).
	for _, not := range []string{"encapsulation flexible-ethernet-services", "flexible-vlan-tagging"} {
		if strings.Contains(pePlan, not) {
			t.Errorf("pe1's modify plan touches %q, which the VLAN change does not need:\n%s", not, pePlan)
		}
	}
	if strings.Contains(samPlan, "delete epipe.Epipe") || !strings.Contains(samPlan, "1/1/1:200") {
		t.Errorf("sam1's modify plan should replace only the access interface (1/1/1:100 → 1/1/1:200):\n%s", samPlan)
	}
	p.Shot("eline-5-plan-modify")
	commitLive(p, "eline-6-run-modify")
	if !pe1.RunningHas("set interfaces ge-0/0/1 unit 200 vlan-id 200") || slices.ContainsFunc(pe1.RunningSet(), func(s string) bool {
		return strings.Contains(s, "ge-0/0/1 unit 100") || strings.Contains(s, "ge-0/0/1.100")
	}) {
		t.Errorf("pe1 after the modify:\n%s", strings.Join(pe1.RunningSet(), "\n"))
	}
	serviceDetail(p, "eline-fs-1", "active", []string{"pe1", "sam1"}, []string{"unit[200]"}, "eline-6b-detail-modified")
	p.Run("its owned configuration in Junos syntax",
		bt.WaitText(`section.owned[aria-label="Owned on pe1"] pre.native`, "set interfaces ge-0/0/1 unit 200 vlan-id 200"),
		bt.WaitText(`section.owned[aria-label="Owned on pe1"] h3`, "Junos set commands"),
	)
	p.T.Logf("owned on sam1, native:\n%s", text(p, `section.owned[aria-label="Owned on sam1"] pre`))
	p.Run("the pack's op runs from the service page",
		bt.Click(`//main//button[normalize-space()="Show pseudowire"]`),
		chromedp.WaitVisible(chromedp.CSS(`section.opresult`)),
		bt.WaitJS(`document.querySelectorAll('section.opresult h3').length === 2`),
	)
	p.T.Logf("op results:\n%s", text(p, `section.opresult`))
	p.Shot("eline-6c-op")
	p.Run("the device page shows what its services own there, natively",
		chromedp.Navigate(p.Base+"/inventory/pe1"),
		bt.WaitText(`#dev-svcs ~ table, main table.services`, "eline-fs-1"),
		bt.Click(`//main//button[starts-with(normalize-space(), "Show the configuration")]`),
		bt.WaitText(`.ownedhere pre[aria-label="Owned by eline-fs-1 on pe1"]`, "set interfaces ge-0/0/1 unit 200 vlan-id 200"),
	)
	p.A11y("device-owned")
	p.Shot("pe1-owned")
	p.Run("back to the service", chromedp.Navigate(p.Base+"/services/eline-fs-1"), bt.WaitText(`main`, "Run history"))
	p.Run("the service's versions come from its runs",
		bt.WaitText(`.versions caption`, "2 recorded changes of the intent"),
		bt.WaitText(`.versions table.diff-table`, "200"),
	)

	deleteService(p, "eline-fs-1", "eline")
	if got := pe1.RunningSet(); !slices.Equal(got, baseJunos) {
		t.Errorf("pe1 after the delete differs from before the create:\n%s", diffLines(baseJunos, got))
	}
	if got := l.samCounts(); !mapsEqual(got, baseSAM) {
		t.Errorf("sam1 after the delete holds %v, before the create %v", got, baseSAM)
	}
	// L3VPN: a Junos VRF on pe1 and a VPRN on sr2 behind sam1, static PE-CE routing.
	p.Run("open the L3VPN form",
		chromedp.Navigate(p.Base+"/catalogue"),
		bt.Click(`a[href="/catalogue/l3vpn"]`),
		chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
		bt.Fill(`#svc-id`, "vpn-fs-1"),
		bt.Fill(bt.FieldSel("/customer", "input"), "CUST-2"),
	)
	p.A11y("l3vpn-form-service")
	p.Run("keyboard: the arrow key moves to the Sites tab",
		chromedp.Focus(chromedp.CSS(`[role=tab][aria-selected=true]`)),
		chromedp.KeyEvent(kb.ArrowRight),
		bt.WaitJS(`document.activeElement.getAttribute('role') === 'tab' && document.activeElement.textContent === 'Sites' && document.activeElement.getAttribute('aria-selected') === 'true'`),
		chromedp.WaitVisible(chromedp.CSS(bt.FieldSel("/endpoints/0/device", "select"))),
	)
	site := func(i int, device, port, vlan, pe, ce, route string) bt.Step {
		ptr := fmt.Sprintf("/endpoints/%d/", i)
		steps := []bt.Step{
			bt.Choose(bt.FieldSel(ptr+"device", "select"), device),
			bt.Choose(bt.FieldSel(ptr+"port", "select"), port),
			bt.Fill(bt.FieldSel(ptr+"vlan", "input"), vlan),
			bt.Fill(bt.FieldSel(ptr+"pe_address", "input"), pe),
			bt.Fill(bt.FieldSel(ptr+"ce_address", "input"), ce),
			bt.Click(bt.FieldSel(ptr+"routing", `input[value='"static"']`)),
			// The customer AS is asked for only with BGP.
			bt.WaitJS(fmt.Sprintf(`document.querySelector('[data-pointer="%scustomer_asn"]').closest('[hidden]') !== null`, ptr)),
		}
		if route != "" {
			steps = append(steps,
				bt.Click(fmt.Sprintf(`//fieldset[.//*[@data-pointer="%sdevice"]]//button[contains(., "Add route")]`, ptr)),
				bt.Fill(bt.FieldSel(ptr+"static_routes/0/prefix", "input"), route),
			)
		}
		return chromedp.Steps(steps...)
	}
	p.Run("fill the sites",
		site(0, "pe1", "ge-0/0/4", "400", "203.0.113.1/30", "203.0.113.2", "10.1.0.0/16"),
		bt.Click(`//button[contains(., "Add site")]`),
		chromedp.WaitVisible(chromedp.CSS(bt.FieldSel("/endpoints/1/device", "select"))),
		site(1, "sr2", "1/1/4", "401", "203.0.113.5/30", "203.0.113.6", ""),
		bt.WaitJS(`[...document.querySelectorAll('.field .msg')].every(m => m.hidden)`),
	)
	p.A11y("l3vpn-form-sites")
	p.Shot("l3vpn-1-form")
	preview(p, "L3VPN create")
	pePlan, samPlan = targetPlan(p, "pe1"), targetPlan(p, "sam1")
	for _, want := range []string{"set interfaces ge-0/0/4 unit 400 vlan-id 400", "instance-type vrf", "interface ge-0/0/4.400", "static route 10.1.0.0/16 next-hop 203.0.113.2"} {
		if !strings.Contains(pePlan, want) {
			t.Errorf("pe1's L3VPN plan lacks %q:\n%s", want, pePlan)
		}
	}
	for _, want := range []string{"create vprn.Vprn", "to-ce-1-1-4-401", "portName=1/1/4"} {
		if !strings.Contains(samPlan, want) {
			t.Errorf("sam1's L3VPN plan lacks %q:\n%s", want, samPlan)
		}
	}
	p.Shot("l3vpn-2-plan")
	commitLive(p, "l3vpn-3-run-create")
	if !pe1.RunningHas("set interfaces ge-0/0/4 unit 400 vlan-id 400") || !slices.ContainsFunc(pe1.RunningSet(), func(s string) bool { return strings.HasSuffix(s, "instance-type vrf") }) {
		t.Errorf("pe1 lacks the VRF after the create:\n%s", strings.Join(pe1.RunningSet(), "\n"))
	}
	if got := l.sam.Count("vprn.Vprn"); got != baseSAM["vprn.Vprn"]+1 {
		t.Errorf("sam1 holds %d VPRNs after the create, want %d", got, baseSAM["vprn.Vprn"]+1)
	}
	serviceDetail(p, "vpn-fs-1", "active", []string{"pe1", "sam1"}, []string{"routing-instances", "unit[400]", "vprn.Vprn"}, "l3vpn-4-detail")

	p.Run("modify the L3VPN: the form is prefilled",
		bt.Click(`a[href="/services/vpn-fs-1/modify"]`),
		chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
		bt.WaitJS(`document.querySelector('[data-pointer="/customer"] input').value === 'CUST-2'`),
		bt.Click(`//button[@role="tab"][normalize-space()="Sites"]`),
		bt.WaitJS(`document.querySelector('[data-pointer="/endpoints/0/port"] select').value === 'ge-0/0/4'`),
		bt.WaitJS(`document.querySelector('[data-pointer="/endpoints/1/port"] select').value === '1/1/4'`),
		bt.WaitJS(`document.querySelector('[data-pointer="/endpoints/0/static_routes/0/prefix"] input').value === '10.1.0.0/16'`),
		bt.Fill(bt.FieldSel("/endpoints/0/vlan", "input"), "410"),
		bt.Fill(bt.FieldSel("/endpoints/1/vlan", "input"), "411"),
	)
	p.A11y("l3vpn-modify-form")
	preview(p, "L3VPN modify")
	pePlan, samPlan = targetPlan(p, "pe1"), targetPlan(p, "sam1")
	for _, want := range []string{"delete interfaces ge-0/0/4 unit 400", "set interfaces ge-0/0/4 unit 410 vlan-id 410", "interface ge-0/0/4.410"} {
		if !strings.Contains(pePlan, want) {
			t.Errorf("pe1's L3VPN modify plan lacks %q:\n%s", want, pePlan)
		}
	}
	if strings.Contains(pePlan, "instance-type") || strings.Contains(pePlan, "route-distinguisher") {
		t.Errorf("pe1's L3VPN modify plan re-creates the VRF, which a VLAN change does not need:\n%s", pePlan)
	}
	if !strings.Contains(samPlan, "delete vprn.L3AccessInterface[to-ce-1-1-4-401]") || !strings.Contains(samPlan, "create vprn.L3AccessInterface[to-ce-1-1-4-411]") || strings.Contains(samPlan, "delete vprn.Vprn") {
		t.Errorf("sam1's L3VPN modify plan should replace only the access interface:\n%s", samPlan)
	}
	p.Shot("l3vpn-5-plan-modify")
	commitLive(p, "l3vpn-6-run-modify")
	if !pe1.RunningHas("set interfaces ge-0/0/4 unit 410 vlan-id 410") || slices.ContainsFunc(pe1.RunningSet(), func(s string) bool {
		return strings.Contains(s, "ge-0/0/4 unit 400") || strings.Contains(s, "ge-0/0/4.400")
	}) {
		t.Errorf("pe1 after the L3VPN modify:\n%s", strings.Join(pe1.RunningSet(), "\n"))
	}
	deleteService(p, "vpn-fs-1", "l3vpn")
	if got := pe1.RunningSet(); !slices.Equal(got, baseJunos) {
		t.Errorf("pe1 after the L3VPN delete differs from before:\n%s", diffLines(baseJunos, got))
	}
	if got := l.samCounts(); !mapsEqual(got, baseSAM) {
		t.Errorf("sam1 after the L3VPN delete holds %v, before %v", got, baseSAM)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// diffLines lists the lines only one of a and b has.
func diffLines(a, b []string) string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, "- "+s)
		}
	}
	for _, s := range b {
		if !slices.Contains(a, s) {
			out = append(out, "+ "+s)
		}
	}
	return strings.Join(out, "\n")
}

// TestBrowserFullStackFailedCreate: a create the device refuses leaves a failed service at
// version 0 (ETag "0"); from its page the console explains what happened and deletes it,
// which frees the id, against the real server.
func TestBrowserFullStackFailedCreate(t *testing.T) {
	ctx, dir := bt.Start(t)
	l := startLab(t)
	pe1 := l.fleet.Device("pe1")
	baseJunos := pe1.RunningSet()
	pe1.FailNextCommit("commit check failed: simulated refusal")
	p := &bt.Page{T: t, Ctx: ctx, Base: l.srv.URL, Dir: dir}
	p.SignIn(l.srv.Token)
	p.Run("create an E-LINE that pe1 refuses",
		chromedp.Navigate(p.Base+"/catalogue/eline"),
		chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
		bt.Fill(`#svc-id`, "eline-fail-1"),
		bt.Fill(bt.FieldSel("/customer", "input"), "CUST-9"),
		bt.Choose(bt.FieldSel("/endpoints/0/device", "select"), "pe1"),
		bt.Choose(bt.FieldSel("/endpoints/0/port", "select"), "ge-0/0/2"),
		bt.Fill(bt.FieldSel("/endpoints/0/vlan", "input"), "120"),
		bt.Choose(bt.FieldSel("/endpoints/1/device", "select"), "sr1"),
		bt.Choose(bt.FieldSel("/endpoints/1/port", "select"), "1/1/2"),
		bt.Fill(bt.FieldSel("/endpoints/1/vlan", "input"), "120"),
		bt.WaitJS(`[...document.querySelectorAll('.field .msg')].every(m => m.hidden)`),
		bt.Click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
		bt.Click(`#commit`),
		bt.WaitJS(`!!document.querySelector('.outcome .banner.st-failed, .outcome .banner.st-rolled-back')`),
		bt.WaitJS(`!document.querySelector('ol.steps li.ph-begin')`),
		bt.WaitText(`main .actions`, "your input is kept"),
	)
	p.Shot("failed-1-run")
	p.Run("the service page explains and offers delete",
		chromedp.Navigate(p.Base+"/services/eline-fail-1"),
		bt.WaitText(`main .failed-note`, "The create of this service failed"),
	)
	p.A11y("failed-service")
	p.Shot("failed-2-service")
	p.Run("delete it: the preview asks for the id",
		bt.Click(`//main//button[normalize-space()="Delete"]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
		bt.WaitJS(`document.activeElement && document.activeElement.id === 'confirm-id' && document.querySelector('#commit').disabled`),
		bt.WaitText(`.danger-zone`, "Endpoints freed"),
		bt.Fill(`#confirm-id`, "eline-fail-1"),
		bt.Click(`#commit`),
		bt.WaitText(`main`, "The service is deleted"),
	)
	p.Shot("failed-3-deleted")
	if got := pe1.RunningSet(); !slices.Equal(got, baseJunos) {
		t.Errorf("pe1 after the failed create and its delete differs:\n%s", diffLines(baseJunos, got))
	}
	p.Run("the id is free again: the draft comes back and previews",
		chromedp.Navigate(p.Base+"/catalogue/eline"),
		chromedp.WaitVisible(chromedp.CSS(`.draftnote`)),
		bt.WaitJS(`document.querySelector('#svc-id').value === 'eline-fail-1'`),
		bt.Click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
	)
}
