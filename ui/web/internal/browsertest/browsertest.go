// Package browsertest drives the web console in headless Chromium for ui/web's tests: it
// starts the browser (skipped without one unless XPROV_REQUIRE_INTEROP is set), and offers
// steps that wait for DOM conditions (never fixed sleeps), act as a user does, check labels
// and layout, and save screenshots as test artifacts under $XPROV_ARTIFACTS/ui-web/<test>/.
//
// It lives in its own package so that both the console's in-package tests (against a fake
// API) and its external full-stack test (which imports ui/server, and so cannot be in
// package web) share one set of helpers.
package browsertest

import (
	"context"
	"fmt"
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

// Start starts headless Chromium for one test. Without a browser the test is skipped,
// unless XPROV_REQUIRE_INTEROP is set (as `make test` does): then it fails.
func Start(t *testing.T) (context.Context, string) {
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

// Step is one browser action of a flow.
type Step = chromedp.Action[chromedp.Void]

// Page bundles what a flow needs: the tab, the server's base URL and where screenshots go.
type Page struct {
	T    *testing.T
	Ctx  context.Context
	Base string
	Dir  string
}

func (p *Page) Run(what string, steps ...Step) {
	p.T.Helper()
	start := time.Now()
	defer func() { p.T.Logf("%s: %v", what, time.Since(start).Round(time.Millisecond)) }()
	if err := chromedp.Do(p.Ctx, steps...); err != nil {
		p.Shot("failure-" + strings.ReplaceAll(what, " ", "-"))
		text, _ := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`document.querySelector('main') ? document.querySelector('main').innerText.slice(0, 1500) : ''`))
		p.T.Fatalf("%s: %v\npage %s shows:\n%s", what, err, p.URL(), text)
	}
}

func (p *Page) URL() string {
	u, _ := chromedp.Run(p.Ctx, chromedp.Location())
	return u
}

// Shot saves a full-page screenshot as a test artifact.
func (p *Page) Shot(name string) {
	p.T.Helper()
	buf, err := chromedp.Run(p.Ctx, chromedp.FullScreenshot(100)) // 100 gives PNG; lower qualities give JPEG
	if err != nil {
		p.T.Logf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(p.Dir, name+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		p.T.Fatal(err)
	}
	p.T.Logf("screenshot %s", file)
}

// WaitJS waits until a JavaScript expression is true: a DOM condition checked every 50ms
// for up to 15s, never a fixed sleep.
func WaitJS(expr string) Step {
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

func JSQ(s string) string { return fmt.Sprintf("%q", s) }

// WaitText waits until the element sel contains text.
func WaitText(sel, text string) Step {
	return WaitJS(fmt.Sprintf(`(() => { const e = document.querySelector(%s); return !!e && e.innerText.includes(%s); })()`, JSQ(sel), JSQ(text)))
}

// Eval runs JavaScript for its effect.
func Eval(expr string) Step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](expr)(ctx, t)
		return err
	})
}

// Fill sets an input's value the way typing does (input and change events).
func Fill(sel, value string) Step {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(sel)),
		Eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); e.focus(); e.value = %s;
			e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, JSQ(sel), JSQ(value))),
	)
}

// Submit submits the form that holds sel, as pressing Enter in it does.
func Submit(sel string) Step {
	return Eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); (e.form || e.closest('form')).requestSubmit(); return true; })()`, JSQ(sel)))
}

// Click clicks an element found by CSS, or by XPath when sel starts with "//".
// (chromedp's Click can stall on elements under a sticky bar; a DOM click is what a keyboard
// user's Enter does anyway.)
func Click(sel string) Step {
	find := fmt.Sprintf(`document.querySelector(%s)`, JSQ(sel))
	if strings.HasPrefix(sel, "//") {
		find = fmt.Sprintf(`document.evaluate(%s, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue`, JSQ(sel))
	}
	return chromedp.Steps(
		WaitJS(fmt.Sprintf(`(() => { const e = %s; return !!e && e.offsetParent !== null; })()`, find)),
		Eval(fmt.Sprintf(`(() => { const e = %s; e.focus(); e.click(); return true; })()`, find)),
	)
}

// Choose picks an option of a select by its value (after the option exists).
func Choose(sel, value string) Step {
	return chromedp.Steps(
		chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`%s option[value=%s]`, sel, JSQ(value)))),
		Fill(sel, value),
	)
}

// ChooseLabel picks an option of a select by its visible text.
func ChooseLabel(sel, label string) Step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := chromedp.Evaluate[string](fmt.Sprintf(`[...document.querySelector(%s).options].find(o => o.textContent.trim() === %s).value`, JSQ(sel), JSQ(label)))(ctx, t)
		if err != nil {
			return err
		}
		_, err = Fill(sel, v)(ctx, t)
		return err
	})
}

func FieldSel(ptr, tag string) string { return fmt.Sprintf(`[data-pointer=%s] %s`, JSQ(ptr), tag) }

// ExpectTrue evaluates a boolean expression and fails the test with msg when it is false.
func (p *Page) ExpectTrue(msg, expr string) {
	p.T.Helper()
	ok, err := chromedp.Run(p.Ctx, chromedp.Evaluate[bool](expr))
	if err != nil || !ok {
		p.Shot("failure-" + strings.ReplaceAll(msg, " ", "-"))
		p.T.Fatalf("%s: false on %s", msg, p.URL())
	}
}

// a11yJS is an axe-style check of the page as drawn: every visible text meets WCAG's contrast
// minimum against what is behind it (4.5:1, 3:1 for large text), every control, link and
// picture has an accessible name, every input a label. It returns the failures.
const a11yJS = `(() => {
  const parse = (c) => { const m = /rgba?\(([^)]+)\)/.exec(c || ''); if (!m) return null; const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const over = (c, base) => ({ r: c.r * c.a + base.r * (1 - c.a), g: c.g * c.a + base.g * (1 - c.a), b: c.b * c.a + base.b * (1 - c.a), a: 1 });
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const bgOf = (el) => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor); if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; } }
    let base = { r: 255, g: 255, b: 255, a: 1 };
    for (let i = layers.length - 1; i >= 0; i--) base = over(layers[i], base);
    return base;
  };
  const shown = (el) => { const r = el.getBoundingClientRect(); if (!r.width || !r.height) return false; for (let n = el; n; n = n.parentElement) { const cs = getComputedStyle(n); if (cs.visibility === 'hidden' || cs.display === 'none' || Number(cs.opacity) === 0) return false; } return true; };
  const out = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const t = walker.currentNode;
    const el = t.parentElement;
    if (!t.textContent.trim() || !el || seen.has(el)) continue;
    seen.add(el);
    if (el.closest('svg, .sr-only, option, script, style, noscript, :disabled, .disabled, #toast') || !shown(el)) continue;
    let op = 1; for (let n = el; n; n = n.parentElement) op *= Number(getComputedStyle(n).opacity);
    if (op < 1) continue;
    const cs = getComputedStyle(el);
    const bg = bgOf(el); const fg = over(parse(cs.color), bg);
    const size = parseFloat(cs.fontSize); const bold = Number(cs.fontWeight) >= 700;
    const need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
    const c = ratio(fg, bg);
    if (c < need) out.push('contrast ' + c.toFixed(2) + ' < ' + need + ': <' + el.tagName.toLowerCase() + ' class="' + el.className + '"> ' + JSON.stringify(t.textContent.trim().slice(0, 40)));
  }
  const named = (e) => (e.getAttribute('aria-label') || '').trim() || (e.getAttribute('aria-labelledby') || '').split(' ').map((i) => (document.getElementById(i) || {}).textContent || '').join('').trim()
    || (e.textContent || '').trim() || (e.getAttribute('title') || '').trim() || (e.labels && e.labels.length ? 'label' : '') || (e.querySelector && e.querySelector('img[alt]') ? 'img' : '');
  for (const e of document.querySelectorAll('a[href], button, [role=button], [role=tab], [role=img], input[type=checkbox], input[type=radio], summary')) {
    if (!e.closest('[hidden]') && shown(e) && !named(e)) out.push('no accessible name: ' + e.outerHTML.slice(0, 120));
  }
  for (const e of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (!(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby')) out.push('no label: ' + e.outerHTML.slice(0, 120));
  }
  return out.slice(0, 15);
})()`

// A11y checks the current page as an axe-style audit does (a11yJS: labels, accessible names,
// text contrast), and that the page has no horizontal scroll on a 1366×768 screen.
func (p *Page) A11y(where string) {
	p.T.Helper()
	problems := p.A11yProblems()
	if len(problems) > 0 {
		p.Shot("a11y-" + where)
		p.T.Errorf("%s (%s): accessibility:\n  %s", where, p.URL(), strings.Join(problems, "\n  "))
	}
	overflow, _ := chromedp.Run(p.Ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
	if overflow {
		p.Shot("overflow-" + where)
		p.T.Errorf("%s: the page scrolls horizontally at 1366×768", where)
	}
}

// A11yProblems returns what a11yJS finds on the current page.
func (p *Page) A11yProblems() []string {
	p.T.Helper()
	problems, err := chromedp.Run(p.Ctx, chromedp.Evaluate[[]string](a11yJS))
	if err != nil {
		p.T.Fatalf("accessibility check: %v", err)
	}
	return problems
}

// FocusRing presses Tab and checks that the element it focuses shows a focus indicator at
// least 2px wide whose colour has 3:1 contrast with the background around it (WCAG 1.4.11).
func (p *Page) FocusRing(where string) {
	p.T.Helper()
	p.Run("keyboard: Tab on "+where, chromedp.KeyEvent(kb.Tab))
	res, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`(() => {
  const e = document.activeElement;
  if (!e || e === document.body) return 'nothing focused';
  const cs = getComputedStyle(e);
  const parse = (c) => { const m = /rgba?\(([^)]+)\)/.exec(c || ''); if (!m) return null; const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  let bg = null;
  for (let n = e.parentElement; n && !bg; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor); if (c && c.a >= 1) bg = c; }
  bg = bg || { r: 255, g: 255, b: 255 };
  const ring = parse(cs.outlineColor);
  if (cs.outlineStyle === 'none' || parseFloat(cs.outlineWidth) < 2 || !ring) return 'no focus ring on ' + e.outerHTML.slice(0, 80);
  const x = lum(ring), y = lum(bg);
  const c = (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  return c >= 3 ? 'ok' : 'focus ring contrast ' + c.toFixed(2) + ' on ' + e.outerHTML.slice(0, 80);
})()`))
	if err != nil || res != "ok" {
		p.Shot("focus-" + where)
		p.T.Errorf("%s: %s %v", where, res, err)
	}
}

// SignIn signs in through the sign-in page with the keyboard.
func (p *Page) SignIn(token string) {
	p.Run("open sign-in",
		chromedp.Navigate(p.Base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#token-input`)),
		WaitJS(`document.activeElement && document.activeElement.id === 'token-input'`),
	)
	p.A11y("signin")
	p.Run("keyboard: Tab", chromedp.KeyEvent(kb.Tab))
	p.Run("keyboard: Tab reaches the sign-in button with a visible focus",
		WaitJS(`document.activeElement.type === 'submit' && document.activeElement.matches(':focus-visible')`),
		chromedp.SendKeys(chromedp.CSS(`#token-input`), token+"\r"),
		chromedp.WaitVisible(chromedp.CSS(`nav#nav a[href="/services"]`)),
		WaitText(`main h1`, "Dashboard"),
	)
}
