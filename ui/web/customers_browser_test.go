package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	bt "github.com/xprov/xprov/ui/web/internal/browsertest"
)

// TestBrowserCustomers: against a real server, a customer is created on the Customers page,
// its page shows its record and its services (by customer id), an edit goes through under
// its ETag, and an edit from a stale copy is refused with a reload offer.
func TestBrowserCustomers(t *testing.T) {
	ctx, dir := bt.Start(t)
	l := startLab(t)
	p := &bt.Page{T: t, Ctx: ctx, Base: l.srv.URL, Dir: dir}
	p.SignIn(l.srv.Token)
	p.Run("create a customer",
		chromedp.Navigate(p.Base+"/customers"),
		bt.WaitText(`main table.customers caption`, "0 customers"),
		bt.Fill(`#cu-id`, "CUST-42"),
		bt.Fill(`#cu-name`, "ACME <b>Corp</b>"),
		bt.Fill(`#cu-sam`, "42"),
		bt.Click(`main form button[type=submit]`),
		bt.WaitText(`main h1`, "Customer CUST-42"),
		bt.WaitText(`main .customer-record dl`, "ACME <b>Corp</b>"),
		bt.WaitText(`main .customer-record dl`, "42"),
		bt.WaitText(`table.services caption`, "0 services of CUST-42"),
	)
	p.ExpectTrue("the name is text, not markup", `!document.querySelector('main .customer-record dl b')`)
	p.A11y("customer-record")
	p.Shot("customer-record")
	p.Run("edit it",
		bt.Fill(`#cu-name`, "ACME Corp"),
		bt.Click(`main .customer-record form button[type=submit]`),
		bt.WaitJS(`document.querySelector('main .customer-record dd') && document.querySelector('main .customer-record dd').textContent === 'ACME Corp'`),
	)
	// A stale copy: change the customer behind the page's back, then save from the page.
	p.Run("a stale edit is refused",
		bt.Eval(`(window.__st = 0, fetch('/api/v1/customers/CUST-42', {method: 'PUT', headers: {'Content-Type': 'application/json', 'X-Xprov-Csrf': '1', 'If-Match': '*'}, credentials: 'same-origin', body: JSON.stringify({name: 'Changed elsewhere'})}).then(r => { window.__st = r.status; }), true)`),
		bt.WaitJS(`window.__st === 200`),
		bt.Fill(`#cu-name`, "Mine"),
		bt.Click(`main .customer-record form button[type=submit]`),
		bt.WaitText(`main .customer-record .error`, "Reload"),
	)
	p.Run("the list shows it",
		chromedp.Navigate(p.Base+"/customers"),
		bt.WaitText(`main table.customers`, "CUST-42"),
		bt.WaitText(`main table.customers`, "Changed elsewhere"),
	)
	p.A11y("customers")
	p.Shot("customers")
}

// TestBrowserClone: the service page's Clone button opens a form seeded with the source's
// intent; with other VLANs the clone is created and its run succeeds; a bad id is refused
// on the page.
func TestBrowserClone(t *testing.T) {
	ctx, dir := bt.Start(t)
	l := startLab(t)
	p := &bt.Page{T: t, Ctx: ctx, Base: l.srv.URL, Dir: dir}
	p.SignIn(l.srv.Token)
	src := `{"customer":"CUST-1","endpoints":[{"device":"pe1","port":"ge-0/0/1","vlan":100},{"device":"sr1","port":"1/1/1","vlan":100}]}`
	p.Run("a source service",
		bt.Eval(`(window.__st = 0, fetch('/api/v1/services?wait=true', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-Xprov-Csrf': '1'}, credentials: 'same-origin', body: JSON.stringify({type: 'eline', id: 'clone-src', intent: `+src+`})}).then(r => { window.__st = r.status; }), true)`),
		bt.WaitJS(`window.__st === 200`),
		chromedp.Navigate(p.Base+"/services/clone-src"),
		bt.Click(`main a[href="/services/clone-src/clone"]`),
		bt.WaitText(`main h1`, "Clone clone-src"),
		bt.WaitJS(`JSON.parse(document.querySelector('#clone-intent').value).endpoints[0].vlan === 100`),
	)
	p.A11y("clone-form")
	p.Shot("clone-form")
	p.Run("a bad id is refused",
		bt.Fill(`#clone-id`, "-bad"),
		bt.Click(`form.cloneform button[type=submit]`),
		bt.WaitText(`main .error`, "id"),
	)
	p.Run("clone on other VLANs",
		bt.Fill(`#clone-id`, "clone-1"),
		bt.Fill(`#clone-intent`, strings.ReplaceAll(src, "100", "101")),
		bt.Click(`form.cloneform button[type=submit]`),
		bt.WaitJS(`location.pathname.startsWith('/runs/')`),
		bt.WaitJS(`!!document.querySelector('.outcome .banner.st-succeeded')`),
		chromedp.Navigate(p.Base+"/services/clone-1"),
		bt.WaitText(`main`, "CUST-1"),
		bt.WaitText(`main`, "active"),
	)
}
