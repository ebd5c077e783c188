package web_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/client"
	"github.com/xprov/xprov/ui/rest"
	"github.com/xprov/xprov/ui/server"
	bt "github.com/xprov/xprov/ui/web/internal/browsertest"
)

// TestBrowserTokens drives the token page of the console served by the real server: a token
// created with an expiry shows its plaintext once and its expiry in the list; a duplicate
// name and revoking the last admin token are refused with readable errors; an expired token
// is listed as expired; only admins see the page in the navigation.
func TestBrowserTokens(t *testing.T) {
	ctx, dir := bt.Start(t)
	sctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	srv, err := server.Start(sctx, server.Options{Config: server.Config{Listen: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "xprov.db")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	api := &client.Client{Base: srv.URL, Token: srv.Token}
	short, err := api.IssueToken(sctx, rest.TokenRequest{Name: "short-lived", Role: store.RoleViewer, ExpiresIn: "300ms"})
	if err != nil {
		t.Fatal(err)
	}

	p := &bt.Page{T: t, Ctx: ctx, Base: srv.URL, Dir: dir}
	p.SignIn(srv.Token)
	time.Sleep(time.Until(*short.Expires))
	p.Run("open the token page from the navigation",
		bt.Click(`nav#nav a[href="/tokens"]`),
		bt.WaitText(`main h1`, "API tokens"),
		bt.WaitJS(`document.querySelector('table.tokens')`),
	)
	p.A11y("tokens")
	p.ExpectTrue("the expired token is listed as expired",
		`[...document.querySelectorAll('table.tokens tbody tr')].some(r => r.cells[0].innerText === 'short-lived' && r.cells[2].innerText === 'expired' && r.cells[5].innerText !== 'never')`)
	p.ExpectTrue("the expired token has no revoke button",
		`[...document.querySelectorAll('table.tokens tbody tr')].some(r => r.cells[0].innerText === 'short-lived' && !r.querySelector('button'))`)

	p.Run("create a token that expires in 30 days",
		bt.Fill(`#tok-name`, "ci"),
		bt.Choose(`#tok-role`, "operator"),
		bt.Choose(`#tok-expires`, "720h"),
		bt.Submit(`#tok-name`),
		bt.WaitJS(`(document.querySelector('.token-plain') || {}).innerText?.startsWith('xp_')`),
		bt.WaitJS(`[...document.querySelectorAll('table.tokens tbody tr')].some(r => r.cells[0].innerText === 'ci')`),
	)
	p.ExpectTrue("the new token is active with an expiry in the list",
		`[...document.querySelectorAll('table.tokens tbody tr')].some(r => r.cells[0].innerText === 'ci' && r.cells[1].innerText === 'operator' && r.cells[2].innerText === 'active' && r.cells[5].innerText !== 'never' && r.cells[5].innerText !== '')`)
	plain, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.token-plain').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := (&client.Client{Base: srv.URL, Token: plain}).Types(sctx); err != nil {
		t.Fatalf("the token the page showed does not work: %v (%v)", err, tok)
	}
	p.Shot("tokens-1-created")

	p.Run("a duplicate name is refused with a readable error",
		bt.Fill(`#tok-name`, "ci"),
		bt.Submit(`#tok-name`),
		bt.WaitText(`main [role=alert]`, "This name is taken"),
		bt.WaitText(`main [role=alert]`, `"ci"`),
	)
	p.ExpectTrue("no plaintext is shown after the refusal", `!document.querySelector('.token-plain')`)
	p.Shot("tokens-2-duplicate")

	admin := evalText(p, `[...document.querySelectorAll('table.tokens tbody tr')].find(r => r.cells[1] && r.cells[1].innerText === 'admin' && r.cells[2].innerText === 'active').cells[0].innerText`)
	p.Run("revoking the last admin token is refused with a readable error",
		bt.Click(`//table[contains(@class,'tokens')]//tr[td[2][normalize-space()='admin']]//button`),
		bt.WaitJS(`document.activeElement && document.activeElement.id === 'revoke-name'`),
		bt.WaitText(`.revoke-confirm`, "signs out every client"),
	)
	p.ExpectTrue("the revoke is not armed before the name is typed", `document.querySelector('.revoke-confirm button.danger').disabled`)
	p.A11y("tokens-revoke-confirm")
	p.Run("type the name and revoke",
		bt.Fill(`#revoke-name`, admin),
		bt.WaitJS(`!document.querySelector('.revoke-confirm button.danger').disabled`),
		bt.Click(`.revoke-confirm button.danger`),
		bt.WaitText(`main [role=alert]`, "This token cannot be revoked"),
		bt.WaitText(`main [role=alert]`, "last active admin"),
	)
	p.Shot("tokens-3-last-admin")
	p.Run("revoke the ci token",
		bt.Click(`button[aria-label="Revoke ci"]`),
		bt.WaitJS(`document.activeElement && document.activeElement.id === 'revoke-name'`),
		bt.Fill(`#revoke-name`, "ci"),
		bt.Click(`.revoke-confirm button.danger`),
		bt.WaitJS(`[...document.querySelectorAll('table.tokens tbody tr')].some(r => r.cells[0].innerText === 'ci' && r.cells[2].innerText === 'revoked')`),
	)
	if _, err := (&client.Client{Base: srv.URL, Token: plain}).Types(sctx); err == nil {
		t.Fatal("the revoked ci token still works")
	}

	p.Run("the audit log lists the token changes",
		bt.Click(`nav#nav a[href="/audit-log"]`),
		bt.WaitText(`main h1`, "Audit log"),
		bt.WaitJS(`[...document.querySelectorAll('table.auditlog tbody tr')].some(r => r.cells[3].innerText.includes('POST') && r.cells[4].innerText.includes('token'))`),
	)
	p.A11y("audit-log")
	p.ExpectTrue("no token plaintext in the audit log", fmt.Sprintf(`!document.body.innerText.includes(%q)`, plain))
	user := evalText(p, `document.querySelector('table.auditlog tbody tr').cells[1].innerText`)
	p.Run("filter by user",
		bt.Click(`table.auditlog tbody tr td:nth-child(2) a`),
		bt.WaitJS(fmt.Sprintf(`location.search.includes('user=') && document.querySelector('#al-user').value === %q`, user)),
		bt.WaitJS(fmt.Sprintf(`[...document.querySelectorAll('table.auditlog tbody tr')].every(r => r.cells[1].innerText === %q)`, user)),
	)
	p.Shot("audit-log")

	// A viewer has no token page in the navigation.
	viewer, err := api.CreateToken(sctx, "a-viewer", store.RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	p.Run("sign out", bt.Click(`//header//button[normalize-space()="Sign out"]`), chromedp.WaitVisible(chromedp.CSS(`#token-input`)))
	p.SignIn(viewer.Token)
	p.ExpectTrue("a viewer sees no token page", `!document.querySelector('nav#nav a[href="/tokens"]')`)
}

func evalText(p *bt.Page, expr string) string {
	p.T.Helper()
	s, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		p.T.Fatalf("%s: %v", expr, err)
	}
	return s
}
