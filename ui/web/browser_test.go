package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const chromiumPath = "/usr/bin/chromium"

// browser starts headless Chromium for one test. Without a browser the test is skipped,
// unless XPROV_REQUIRE_INTEROP is set (as `make test` does): then it fails.
func browser(t *testing.T) (context.Context, string) {
	t.Helper()
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		} else if os.Getenv("XPROV_REQUIRE_INTEROP") != "" {
			t.Fatalf("chromium is required (XPROV_REQUIRE_INTEROP is set) but %s is missing", chromiumPath)
		} else {
			t.Skipf("chromium not installed at %s", chromiumPath)
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf), chromedp.WithListener(func(ev any) {
		// Script errors are test failures' best explanation: log them.
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			t.Logf("page exception at %s:%d: %s", d.URL, d.LineNumber, msg)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				t.Logf("console.%s: %s", e.Type, strings.Join(parts, " "))
			}
		}
	}))
	t.Cleanup(func() { cancelB(); cancelA() })
	// The first Do starts the browser; it must run without a deadline (a deadline on it
	// would end the browser), so the test's deadline is derived afterwards.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelC := context.WithTimeout(bctx, 80*time.Second)
	t.Cleanup(cancelC)
	dir := os.Getenv("XPROV_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else {
		dir = filepath.Join(dir, "ui-web", t.Name())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return ctx, dir
}

// step is one browser action of a flow.
type step = chromedp.Action[chromedp.Void]

// page bundles what a flow needs: the tab, the server's base URL and where screenshots go.
type page struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
}

func (p *page) run(what string, steps ...step) {
	p.t.Helper()
	start := time.Now()
	defer func() { p.t.Logf("%s: %v", what, time.Since(start).Round(time.Millisecond)) }()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.shot("failure-" + strings.ReplaceAll(what, " ", "-"))
		text, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector('main') ? document.querySelector('main').innerText.slice(0, 1500) : ''`))
		p.t.Fatalf("%s: %v\npage %s shows:\n%s", what, err, p.url(), text)
	}
}

func (p *page) url() string {
	u, _ := chromedp.Run(p.ctx, chromedp.Location())
	return u
}

// shot saves a full-page screenshot as a test artifact.
func (p *page) shot(name string) {
	p.t.Helper()
	buf, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100)) // 100 gives PNG; lower qualities give JPEG
	if err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(p.dir, name+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot %s", file)
}

// waitJS waits until a JavaScript expression is true: a DOM condition checked every 50ms
// for up to 15s, never a fixed sleep.
func waitJS(expr string) step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		deadline := time.Now().Add(15 * time.Second)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			ok, err := chromedp.Evaluate[bool](fmt.Sprintf("!!(%s)", expr))(ctx, t)
			if err == nil && ok {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("waiting for %s: still false after 15s (last error: %v)", expr, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
	})
}

func jsq(s string) string { return fmt.Sprintf("%q", s) }

// waitText waits until the element sel contains text.
func waitText(sel, text string) step {
	return waitJS(fmt.Sprintf(`(() => { const e = document.querySelector(%s); return !!e && e.innerText.includes(%s); })()`, jsq(sel), jsq(text)))
}

// eval runs JavaScript for its effect.
func eval(expr string) step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](expr)(ctx, t)
		return err
	})
}

// fill sets an input's value the way typing does (input and change events).
func fill(sel, value string) step {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(sel)),
		eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); e.focus(); e.value = %s;
			e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, jsq(sel), jsq(value))),
	)
}

// submit submits the form that holds sel, as pressing Enter in it does.
func submit(sel string) step {
	return eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); (e.form || e.closest('form')).requestSubmit(); return true; })()`, jsq(sel)))
}

// click clicks an element found by CSS, or by XPath when sel starts with "//".
// (chromedp's Click can stall on elements under a sticky bar; a DOM click is what a keyboard
// user's Enter does anyway.)
func click(sel string) step {
	find := fmt.Sprintf(`document.querySelector(%s)`, jsq(sel))
	if strings.HasPrefix(sel, "//") {
		find = fmt.Sprintf(`document.evaluate(%s, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue`, jsq(sel))
	}
	return chromedp.Steps(
		waitJS(fmt.Sprintf(`(() => { const e = %s; return !!e && e.offsetParent !== null; })()`, find)),
		eval(fmt.Sprintf(`(() => { const e = %s; e.focus(); e.click(); return true; })()`, find)),
	)
}

// choose picks an option of a select by its value (after the option exists).
func choose(sel, value string) step {
	return chromedp.Steps(
		chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`%s option[value=%s]`, sel, jsq(value)))),
		fill(sel, value),
	)
}

// chooseLabel picks an option of a select by its visible text.
func chooseLabel(sel, label string) step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := chromedp.Evaluate[string](fmt.Sprintf(`[...document.querySelector(%s).options].find(o => o.textContent.trim() === %s).value`, jsq(sel), jsq(label)))(ctx, t)
		if err != nil {
			return err
		}
		_, err = fill(sel, v)(ctx, t)
		return err
	})
}

func fieldSel(ptr, tag string) string { return fmt.Sprintf(`[data-pointer=%s] %s`, jsq(ptr), tag) }

// expectTrue evaluates a boolean expression and fails the test with msg when it is false.
func (p *page) expectTrue(msg, expr string) {
	p.t.Helper()
	ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](expr))
	if err != nil || !ok {
		p.shot("failure-" + strings.ReplaceAll(msg, " ", "-"))
		p.t.Fatalf("%s: false on %s", msg, p.url())
	}
}

// a11y checks the basics on the current page: every input has a label, and the page has no
// horizontal scroll on a 1366×768 screen.
func (p *page) a11y(where string) {
	p.t.Helper()
	unlabelled, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
		.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
		.map(e => e.outerHTML.slice(0, 120))`))
	if err != nil {
		p.t.Fatalf("labels on %s: %v", where, err)
	}
	if len(unlabelled) > 0 {
		p.t.Errorf("%s: inputs without a label: %v", where, unlabelled)
	}
	overflow, _ := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
	if overflow {
		p.shot("overflow-" + where)
		p.t.Errorf("%s: the page scrolls horizontally at 1366×768", where)
	}
}

// endpoint is one endpoint a flow fills in: the list pointer, device, port and VLAN.
type endpoint struct {
	device, port, vlan string
}

// signIn signs in through the sign-in page with the keyboard.
func (p *page) signIn(token string) {
	p.run("open sign-in",
		chromedp.Navigate(p.base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#token-input`)),
		waitJS(`document.activeElement && document.activeElement.id === 'token-input'`),
	)
	p.a11y("signin")
	p.run("keyboard: Tab", chromedp.KeyEvent(kb.Tab))
	p.run("keyboard: Tab reaches the sign-in button with a visible focus",
		waitJS(`document.activeElement.type === 'submit' && document.activeElement.matches(':focus-visible')`),
		chromedp.SendKeys(chromedp.CSS(`#token-input`), token+"\r"),
		chromedp.WaitVisible(chromedp.CSS(`nav#nav a[href="/services"]`)),
		waitText(`main h1`, "Services"),
	)
}

// serviceFlow drives create → preview → commit → modify → delete of one service.
type serviceFlow struct {
	typ, id    string
	fillCreate func(p *page) // fills the form for create
	planCreate []string      // texts the create plan must show
	fillModify func(p *page)
	planModify []string
}

func (p *page) flow(f serviceFlow) {
	p.t.Helper()
	p.run("open the "+f.typ+" form",
		chromedp.Navigate(p.base+"/catalogue"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`a[href="/catalogue/%s"]`, f.typ))),
		click(fmt.Sprintf(`a[href="/catalogue/%s"]`, f.typ)),
		chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
		fill(`#svc-id`, f.id),
	)
	f.fillCreate(p)
	p.a11y(f.typ + "-form")
	p.shot(f.typ + "-1-form")
	p.run("preview the create",
		click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
		waitJS(`document.activeElement && document.activeElement.id === 'commit'`),
	)
	for _, want := range f.planCreate {
		p.run("create plan shows "+want, waitText(`.plan`, want))
	}
	p.a11y(f.typ + "-plan")
	p.shot(f.typ + "-2-plan")
	p.commit(f.typ + "-3-run-create")
	p.run("open the service",
		click(fmt.Sprintf(`main a[href="/services/%s"]`, f.id)),
		waitText(`main h1`, f.id),
		waitText(`main`, "Owned configuration"),
		waitText(`main`, "Run history"),
	)
	p.a11y(f.typ + "-detail")
	p.shot(f.typ + "-4-detail")

	p.run("modify",
		click(fmt.Sprintf(`a[href="/services/%s/modify"]`, f.id)),
		chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
	)
	f.fillModify(p)
	p.run("preview the modify",
		click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
	)
	for _, want := range f.planModify {
		p.run("modify plan shows "+want, waitText(`.plan`, want))
	}
	p.shot(f.typ + "-5-plan-modify")
	p.commit(f.typ + "-6-run-modify")

	p.run("delete",
		click(fmt.Sprintf(`main a[href="/services/%s"]`, f.id)),
		waitText(`main h1`, f.id),
		chromedp.WaitVisible(chromedp.Search(`//main//button[normalize-space()="Delete"]`)),
		click(`//main//button[normalize-space()="Delete"]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
		waitText(`.plan`, "Delete"),
	)
	p.shot(f.typ + "-7-plan-delete")
	p.commit(f.typ + "-8-run-delete")
	p.run("deleted", waitText(`main`, "The service is deleted"))
}

// commit commits the plan on screen and waits for the run to succeed.
func (p *page) commit(shot string) {
	p.t.Helper()
	p.run("commit",
		click(`#commit`),
		chromedp.WaitVisible(chromedp.CSS(`.outcome .banner`)),
		waitJS(`!!document.querySelector('.outcome .banner.st-succeeded, .outcome .banner.st-failed')`),
	)
	state, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector('.outcome').innerText`))
	if !strings.Contains(state, "Done") {
		p.shot(shot)
		p.t.Fatalf("run did not succeed: %s", state)
	}
	p.run("steps shown", waitText(`ol.steps`, "Commit on"))
	p.a11y("run")
	p.shot(shot)
}

func newFakeServer(t *testing.T) *httptest.Server {
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
	return srv
}

// TestBrowserFake drives the console in Chromium against the fake API: sign-in with the
// keyboard, client and server field messages, pickers, rules, tabs, create → preview →
// commit → modify → delete of a multi-vendor E-LINE and an L3VPN, the other pages, and a
// viewer who sees no buttons that change anything.
func TestBrowserFake(t *testing.T) {
	ctx, dir := browser(t)
	srv := newFakeServer(t)
	p := &page{t: t, ctx: ctx, base: srv.URL, dir: dir}
	p.signIn("op-token")
	p.a11y("services")
	p.shot("services-list")

	// Field messages before submit: empty required fields, then the server's own messages.
	p.run("empty form shows messages",
		chromedp.Navigate(p.base+"/catalogue/eline"),
		chromedp.WaitVisible(chromedp.CSS(`form.svcform`)),
		click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`.summary[role=alert]`)),
		waitText(`[data-pointer="/customer"] .msg`, "Required."),
		waitText(`[data-pointer="/endpoints/0/vlan"] .msg`, "Required."),
		fill(fieldSel("/endpoints/0/vlan", "input"), "5000"),
		waitText(`[data-pointer="/endpoints/0/vlan"] .msg`, "at most 4094"),
		// The picker offers only ports that can take the service, and says who uses the others.
		choose(fieldSel("/endpoints/0/device", "select"), "pe1"),
		chromedp.WaitReady(chromedp.CSS(fieldSel("/endpoints/0/port", `select[data-ready=true] option[value="ge-0/0/1"]`))),
	)
	p.expectTrue("used port is disabled and named", `(() => { const o = document.querySelector('[data-pointer="/endpoints/0/port"] option[value="ge-0/0/2"]'); return o.disabled && o.textContent.includes('used by eline-060'); })()`)
	p.expectTrue("admin-down port is disabled", `document.querySelector('[data-pointer="/endpoints/0/port"] option[value="ge-0/0/3"]').disabled`)
	p.expectTrue("required marker shown", `document.querySelector('[data-pointer="/customer"] label .req') !== null`)
	p.expectTrue("hidden by rule", `document.querySelector('[data-pointer="/bandwidth_mbps"]').closest('[hidden]') !== null`)
	p.expectTrue("number bounds from the schema", `document.querySelector('[data-pointer="/mtu"] input').min === '576' && document.querySelector('[data-pointer="/mtu"] input').max === '9192'`)
	p.shot("eline-0-messages")

	eline := serviceFlow{
		typ: "eline", id: "eline-web-1",
		fillCreate: func(p *page) {
			p.run("fill the E-LINE",
				fill(fieldSel("/customer", "input"), "ACME Corp"),
				choose(fieldSel("/endpoints/0/device", "select"), "pe1"),
				choose(fieldSel("/endpoints/0/port", "select"), "ge-0/0/1"),
				fill(fieldSel("/endpoints/0/vlan", "input"), "100"),
				choose(fieldSel("/endpoints/1/device", "select"), "sr1"),
				choose(fieldSel("/endpoints/1/port", "select"), "1/1/1"),
				fill(fieldSel("/endpoints/1/vlan", "input"), "100"),
				click(fieldSel("/rate_limit", "input")),
				chromedp.WaitVisible(chromedp.CSS(fieldSel("/bandwidth_mbps", "input"))),
				fill(fieldSel("/bandwidth_mbps", "input"), "200"),
				waitJS(`[...document.querySelectorAll('.field .msg')].every(m => m.hidden)`),
			)
		},
		planCreate: []string{"set interfaces ge-0/0/1 unit 100 vlan-id 100", "create epipe.Epipe", "pe1", "sam1", "vc-id"},
		fillModify: func(p *page) {
			p.run("change the VLAN",
				waitJS(`document.querySelector('[data-pointer="/endpoints/0/port"] select').value === 'ge-0/0/1'`),
				fill(fieldSel("/endpoints/0/vlan", "input"), "200"),
			)
		},
		planModify: []string{"delete interfaces ge-0/0/1 unit 100", "set interfaces ge-0/0/1 unit 200 vlan-id 200"},
	}
	p.flow(eline)

	l3vpn := serviceFlow{
		typ: "l3vpn", id: "vpn-web-1",
		fillCreate: func(p *page) {
			p.run("fill the VPN tab",
				fill(fieldSel("/customer", "input"), "Globex"),
				chromedp.Focus(chromedp.CSS(`[role=tab][aria-selected=true]`)),
				chromedp.KeyEvent(kb.ArrowRight),
				waitJS(`document.activeElement.getAttribute('role') === 'tab' && document.activeElement.textContent === 'Sites' && document.activeElement.getAttribute('aria-selected') === 'true'`),
				chromedp.WaitVisible(chromedp.CSS(fieldSel("/sites/0/device", "select"))),
				choose(fieldSel("/sites/0/device", "select"), "pe2"),
				choose(fieldSel("/sites/0/port", "select"), "xe-0/0/0"),
				fill(fieldSel("/sites/0/vlan", "input"), "300"),
				fill(fieldSel("/sites/0/address", "input"), "192.0.2.1/30"),
				chooseLabel(fieldSel("/sites/0/routing", "select"), "bgp"),
				waitJS(`!document.querySelector('[data-pointer="/sites/0/peer_as"] input').disabled`),
				fill(fieldSel("/sites/0/peer_as", "input"), "65010"),
				click(`//button[contains(., "Add site")]`),
				chromedp.WaitVisible(chromedp.CSS(fieldSel("/sites/1/device", "select"))),
				waitJS(`document.querySelector('[data-pointer="/sites/1/peer_as"] input').disabled`),
				choose(fieldSel("/sites/1/device", "select"), "sr1"),
				choose(fieldSel("/sites/1/port", "select"), "1/1/2"),
				fill(fieldSel("/sites/1/vlan", "input"), "301"),
				fill(fieldSel("/sites/1/address", "input"), "192.0.2.5/30"),
			)
		},
		planCreate: []string{"set routing-instances vpn-web-1 route-distinguisher 65000:101", "create vprn.Vprn", "rd", "rt"},
		fillModify: func(p *page) {
			p.run("remove the second site",
				chromedp.WaitVisible(chromedp.CSS(`[role=tab]`)),
				click(`//button[@role="tab"][normalize-space()="Sites"]`),
				chromedp.WaitVisible(chromedp.Search(`//button[@aria-label="Remove Site 2: sr1"]`)),
				click(`//button[@aria-label="Remove Site 2: sr1"]`),
				waitJS(`document.querySelectorAll('fieldset.item').length === 1`),
			)
		},
		planModify: []string{"delete vprn.Vprn", "sam1"},
	}
	p.flow(l3vpn)

	// The rest of the console.
	p.run("services: filters and pagination",
		chromedp.Navigate(p.base+"/services"),
		waitText(`main`, "Page 1"),
		click(`//a[contains(., "Next page")]`),
		waitText(`main`, "Page 2"),
		waitText(`main`, "eline-010"),
		fill(`#device`, "pe1"),
		submit(`form.filters`),
		waitText(`table.services tbody`, "eline-060"),
		waitJS(`document.querySelectorAll('table.services tbody tr').length === 1`),
	)
	p.shot("services-filtered")
	p.run("migrate an endpoint",
		chromedp.Navigate(p.base+"/services/eline-060/migrate"),
		chromedp.WaitVisible(chromedp.CSS(fieldSel("/endpoints/0/device", "select"))),
		waitJS(`document.querySelector('[data-pointer="/endpoints/0/port"] select').value === 'ge-0/0/2'`),
		choose(fieldSel("/endpoints/0/device", "select"), "pe2"),
		choose(fieldSel("/endpoints/0/port", "select"), "xe-0/0/0"),
		click(`form.svcform button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`#commit`)),
		waitText(`.plan`, "delete interfaces ge-0/0/2 unit 1060"),
		waitText(`.plan`, "set interfaces xe-0/0/0 unit 1060"),
	)
	p.shot("migrate-plan")
	p.run("audit shows drift",
		chromedp.Navigate(p.base+"/audits?service=eline-060"),
		chromedp.WaitVisible(chromedp.CSS(`#audit-svc`)),
		submit(`#audit-svc`),
		waitText(`main`, "has drifted"),
		waitText(`main`, "what the device holds"),
	)
	p.a11y("audits")
	p.shot("audits")
	for _, pg := range []struct{ path, want string }{
		{"/inventory", "sam1"}, {"/inventory/pe1", "eline-060"}, {"/pools", "930 of 1000 used"}, {"/reports", "Services by vendor"},
	} {
		p.run("open "+pg.path, chromedp.Navigate(p.base+pg.path), waitText(`main`, pg.want))
		p.a11y(strings.ReplaceAll(strings.Trim(pg.path, "/"), "/", "-"))
		p.shot(strings.ReplaceAll(strings.Trim(pg.path, "/"), "/", "-"))
	}
	p.expectTrue("charts are inline SVG", `document.querySelectorAll('main svg.chart').length >= 4`)

	// A viewer sees everything and can change nothing. sessionStorage is per tab: a new tab
	// starts signed out.
	vctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(vctx); err != nil {
		t.Fatal(err)
	}
	v := &page{t: t, ctx: vctx, base: srv.URL, dir: dir}
	v.signIn("viewer-token")
	v.run("viewer catalogue", chromedp.Navigate(v.base+"/catalogue"), waitText(`main`, "E-LINE"))
	v.expectTrue("viewer has no create button", `document.querySelector('a[href="/catalogue/eline"]') === null`)
	v.run("viewer service detail", chromedp.Navigate(v.base+"/services/eline-001"), waitText(`main`, "Run history"))
	v.expectTrue("viewer has no modify or delete", `![...document.querySelectorAll('main button, main a')].some(b => /Delete|Modify|Re-deploy/.test(b.textContent))`)
	v.expectTrue("viewer role shown", `document.querySelector('.who .role').textContent === 'viewer'`)
	v.shot("viewer-service")
}
