package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fakeAPI answers the routes of docs/api-routes.md with realistic JSON from memory, so the
// console's code runs in a real browser without the engine. The full-stack test replaces it.
type fakeAPI struct {
	mu       sync.Mutex
	packs    map[string]map[string]json.RawMessage // name -> pack.json fields + schema + form
	devices  []fakeDevice
	services map[string]*fakeService
	order    []string // service ids, oldest first
	plans    map[string]map[string]any
	runs     map[string]map[string]any
	events   []map[string]any
	notify   chan struct{}
	seq      int
	// portDesc and linkDown give some ports a description and an operational state down
	// ("device port" keys).
	portDesc map[string]string
	linkDown map[string]bool
	audits   int // audits run, each found drift: counted in the summary's compliance
}

type fakeDevice struct {
	Name, Vendor, Platform, Address, NMS string
	Ports                                []fakePort
}

type fakePort struct {
	Name    string
	Speed   int
	AdminUp bool
}

type fakeService struct {
	ID, Type, Customer, State string
	Intent                    map[string]any
	Version                   int
	Created, Updated          time.Time
	Runs                      []string
}

func newFakeAPI(dir string) (*fakeAPI, error) {
	f := &fakeAPI{packs: map[string]map[string]json.RawMessage{}, services: map[string]*fakeService{},
		plans: map[string]map[string]any{}, runs: map[string]map[string]any{}, notify: make(chan struct{}),
		portDesc: map[string]string{"pe1 ge-0/0/1": "ACME Amsterdam access", "pe1 xe-0/1/0": "core to p1"},
		linkDown: map[string]bool{"pe1 xe-0/1/0": true}}
	for _, name := range []string{"eline", "l3vpn"} {
		p := map[string]json.RawMessage{}
		b, err := os.ReadFile(filepath.Join(dir, name, "pack.json"))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, err
		}
		for _, part := range []string{"schema", "form"} {
			b, err := os.ReadFile(filepath.Join(dir, name, part+".json"))
			if err != nil {
				return nil, err
			}
			p[part] = b
		}
		f.packs[name] = p
	}
	f.devices = []fakeDevice{
		{Name: "pe1", Vendor: "junos", Platform: "MX480", Address: "10.255.0.1", Ports: []fakePort{{"ge-0/0/1", 1000, true}, {"ge-0/0/2", 1000, true}, {"ge-0/0/3", 1000, false}, {"xe-0/1/0", 10000, true}}},
		{Name: "pe2", Vendor: "junos", Platform: "MX204", Address: "10.255.0.2", Ports: []fakePort{{"xe-0/0/0", 10000, true}, {"xe-0/0/1", 10000, true}}},
		{Name: "sr1", Vendor: "sros", Platform: "7750 SR-7", Address: "10.255.1.1", NMS: "sam1", Ports: []fakePort{{"1/1/1", 10000, true}, {"1/1/2", 10000, true}, {"1/1/3", 10000, true}}},
	}
	// Enough services for two pages of the list; one holds pe1 ge-0/0/2.
	base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := 1; i <= 60; i++ {
		id := fmt.Sprintf("eline-%03d", i)
		s := &fakeService{ID: id, Type: "eline", Customer: fmt.Sprintf("Customer %d", i%7), State: "active", Version: 1,
			Created: base.Add(time.Duration(i) * time.Minute), Updated: base.Add(time.Duration(i) * time.Minute),
			Intent: map[string]any{"customer": fmt.Sprintf("Customer %d", i%7), "mtu": 1514.0, "endpoints": []any{
				map[string]any{"device": "pe2", "port": "xe-0/0/1", "vlan": float64(1000 + i)},
				map[string]any{"device": "sr1", "port": "1/1/3", "vlan": float64(1000 + i)}}}}
		if i%5 == 0 {
			s.Intent["description"] = fmt.Sprintf("Amsterdam DC link %d", i)
		}
		if i == 60 {
			s.Intent["endpoints"].([]any)[0].(map[string]any)["device"] = "pe1"
			s.Intent["endpoints"].([]any)[0].(map[string]any)["port"] = "ge-0/0/2"
		}
		f.services[id] = s
		f.order = append(f.order, id)
	}
	// A create that failed on the devices: recorded at version 0 (ETag "0"), id taken.
	failedAt := base.Add(2 * time.Hour)
	f.services["eline-failed"] = &fakeService{ID: "eline-failed", Type: "eline", Customer: "Initech", State: "failed", Version: 0,
		Created: failedAt, Updated: failedAt, Intent: map[string]any{"customer": "Initech", "mtu": 1514.0, "endpoints": []any{
			map[string]any{"device": "pe2", "port": "xe-0/0/0", "vlan": 777.0}, map[string]any{"device": "sr1", "port": "1/1/2", "vlan": 777.0}}}}
	f.order = append(f.order, "eline-failed")
	// A run still going (to cancel) and an older failed modify (to retry).
	f.runs["run-live"] = map[string]any{"id": "run-live", "service": "eline-003", "kind": "modify", "state": "running", "user": "olivia",
		"created": time.Now().UTC().Add(-90 * time.Second), "updated": time.Now().UTC(),
		"journal": []map[string]any{{"step": "prepare:pe2", "phase": "begin"}}}
	f.runs["run-old-fail"] = map[string]any{"id": "run-old-fail", "service": "eline-005", "kind": "modify", "state": "failed", "user": "olivia",
		"error": "prepare pe2: rejected: commit check failed", "created": base.Add(3 * time.Hour), "updated": base.Add(3*time.Hour + 4*time.Second),
		"finished": base.Add(3*time.Hour + 4*time.Second), "request": map[string]any{"op": "modify", "service_id": "eline-005", "intent": f.services["eline-005"].Intent}}
	return f, nil
}

func (f *fakeAPI) vendorOf(dev string) string {
	for _, d := range f.devices {
		if d.Name == dev {
			return d.Vendor
		}
	}
	return "junos"
}

func (f *fakeAPI) portUsers(dev, port string) []string {
	var out []string
	for _, id := range f.order {
		for _, ep := range endpointsOf(f.services[id]) {
			if ep["device"] == dev && ep["port"] == port {
				out = append(out, id)
			}
		}
	}
	return out
}

func endpointsOf(s *fakeService) []map[string]any {
	var out []map[string]any
	for _, k := range []string{"endpoints", "sites"} {
		if arr, ok := s.Intent[k].([]any); ok {
			for _, e := range arr {
				if m, ok := e.(map[string]any); ok {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func problem(w http.ResponseWriter, status int, title, detail string, errs []map[string]string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	p := map[string]any{"type": "about:blank", "title": title, "status": status, "detail": detail}
	if errs != nil {
		p["errors"] = errs
	}
	_ = json.NewEncoder(w).Encode(p)
}

var fakeTokens = map[string]map[string]string{
	"op-token":     {"name": "olivia", "role": "operator"},
	"viewer-token": {"name": "victor", "role": "viewer"},
}

// validate is the fake's stand-in for the engine's schema validation (same pointers).
func (f *fakeAPI) validate(typ string, in map[string]any) []map[string]string {
	var errs []map[string]string
	add := func(p, m string) { errs = append(errs, map[string]string{"pointer": p, "message": m}) }
	if c, _ := in["customer"].(string); strings.TrimSpace(c) == "" {
		add("/customer", "is required")
	}
	list := "endpoints"
	req := []string{"device", "port", "vlan"}
	if typ == "l3vpn" {
		list = "sites"
		req = []string{"device", "port", "vlan", "address", "routing"}
	}
	arr, _ := in[list].([]any)
	if typ == "eline" && len(arr) != 2 {
		add("/"+list, "an E-LINE has exactly 2 endpoints")
	}
	for i, e := range arr {
		m, _ := e.(map[string]any)
		for _, k := range req {
			if _, ok := m[k]; !ok {
				add(fmt.Sprintf("/%s/%d/%s", list, i, k), "is required")
			}
		}
		if v, ok := m["vlan"].(float64); ok && (v < 1 || v > 4094) {
			add(fmt.Sprintf("/%s/%d/vlan", list, i), "must be between 1 and 4094")
		}
		if a, ok := m["address"].(string); ok && !regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+/\d+$`).MatchString(a) {
			add(fmt.Sprintf("/%s/%d/address", list, i), "does not match pattern '^\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+$'")
		}
	}
	return errs
}

// scriptCheck is what only the pack's script finds at preview time, never the schema check:
// VLAN 999 is reserved on every device.
func (f *fakeAPI) scriptCheck(in map[string]any) []map[string]string {
	var errs []map[string]string
	for i, ep := range endpointsOf(&fakeService{Intent: in}) {
		if v, _ := ep["vlan"].(float64); v == 999 {
			list := "endpoints"
			if _, ok := in["sites"]; ok {
				list = "sites"
			}
			errs = append(errs, map[string]string{"pointer": fmt.Sprintf("/%s/%d/vlan", list, i), "message": fmt.Sprintf("VLAN 999 is reserved on %v", ep["device"])})
		}
	}
	return errs
}

func problemOf(w http.ResponseWriter, status int, kind, title, detail string, errs []map[string]string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	p := map[string]any{"type": "https://xprov.dev/problems/" + kind, "title": title, "status": status, "detail": detail}
	if errs != nil {
		p["errors"] = errs
	}
	_ = json.NewEncoder(w).Encode(p)
}

func (f *fakeAPI) emit(typ, svc, run string) {
	f.seq++
	f.events = append(f.events, map[string]any{"seq": f.seq, "type": typ, "service": svc, "run_id": run, "at": time.Now().UTC()})
	close(f.notify)
	f.notify = make(chan struct{})
}

// plan renders per target what a real pack would: Junos set lines or SAM object operations.
func (f *fakeAPI) plan(op, typ, id string, old, now map[string]any, base int) map[string]any {
	lines := map[string][]string{}
	xmls := map[string][]string{}
	changes := map[string][]map[string]any{}
	render := func(intent map[string]any, del bool) {
		if intent == nil {
			return
		}
		for _, ep := range endpointsOf(&fakeService{Intent: intent}) {
			dev, _ := ep["device"].(string)
			port, _ := ep["port"].(string)
			vlan := fmt.Sprint(ep["vlan"])
			if f.vendorOf(dev) == "junos" {
				verb := "set"
				if del {
					verb = "delete"
				}
				lines[dev] = append(lines[dev],
					fmt.Sprintf("%s interfaces %s unit %s vlan-id %s", verb, port, vlan, vlan),
					fmt.Sprintf("%s interfaces %s unit %s description \"%s %s\"", verb, port, vlan, id, intent["customer"]))
				if typ == "eline" {
					lines[dev] = append(lines[dev], fmt.Sprintf("%s protocols l2circuit neighbor 10.255.1.1 interface %s.%s virtual-circuit-id 100", verb, port, vlan))
				} else {
					lines[dev] = append(lines[dev], fmt.Sprintf("%s routing-instances %s interface %s.%s", verb, id, port, vlan),
						fmt.Sprintf("%s routing-instances %s route-distinguisher 65000:101", verb, id))
				}
				xmls[dev] = append(xmls[dev], fmt.Sprintf("<interface><name>%s</name><unit><name>%s</name><vlan-id>%s</vlan-id></unit></interface>", port, vlan, vlan))
			} else {
				verb := "create"
				if del {
					verb = "delete"
				}
				cls := "epipe.Epipe"
				if typ == "l3vpn" {
					cls = "vprn.Vprn"
				}
				lines["sam1"] = append(lines["sam1"],
					fmt.Sprintf("%s %s svc-mgr:service-%s customerId=%s", verb, cls, id, intent["customer"]),
					fmt.Sprintf("%s  %s.L2AccessInterface site-%s:sap-%s:%s portPointer=%s outerEncapValue=%s", verb, strings.Split(cls, ".")[0], dev, port, vlan, port, vlan))
			}
			target := dev
			if f.vendorOf(dev) == "sros" {
				target = "sam1"
			}
			o := "create"
			if del {
				o = "delete"
			}
			changes[target] = append(changes[target], map[string]any{"op": o, "path": fmt.Sprintf("interfaces/interface[%s]/unit[%s]/vlan-id", port, vlan), "value": vlan})
		}
	}
	render(old, true)
	render(now, false)
	var targets []string
	for t := range lines {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	var tps []map[string]any
	for _, t := range targets {
		r := map[string]any{"format": "junos-set", "text": strings.Join(lines[t], "\n")}
		if t == "sam1" {
			r["format"] = "sam-ops"
		} else {
			r["extra"] = map[string]string{"netconf-xml": "<config>\n  <configuration>\n    <interfaces>\n      " + strings.Join(xmls[t], "\n      ") + "\n    </interfaces>\n  </configuration>\n</config>"}
		}
		tps = append(tps, map[string]any{"target": t, "devices": []string{t}, "change_set": map[string]any{"target": t, "changes": changes[t]}, "rendering": r})
	}
	f.seq++
	pid := fmt.Sprintf("plan-%d", f.seq)
	p := map[string]any{"id": pid, "service": id, "type": typ, "op": op, "base_version": base, "pack_version": "1.0.0",
		"hash": fmt.Sprintf("%064x", f.seq), "targets": tps, "request": map[string]any{"op": op, "type": typ, "service_id": id, "intent": now}}
	if op == "modify" {
		// A moved endpoint takes another pseudowire id: the console must say so.
		vc := 100
		oe, ne := endpointsOf(&fakeService{Intent: old}), endpointsOf(&fakeService{Intent: now})
		for i := range min(len(oe), len(ne)) {
			if oe[i]["device"] != ne[i]["device"] {
				vc = 101
			}
		}
		p["allocations"] = []map[string]any{{"pool": "vc-id", "scope": "global", "key": "pw", "value": vc}}
	}
	if op == "create" {
		p["allocations"] = []map[string]any{{"pool": "vc-id", "scope": "global", "key": "pw", "value": 100}}
		if typ == "l3vpn" {
			p["allocations"] = []map[string]any{{"pool": "rd", "scope": "65000", "key": "rd", "value": 101}, {"pool": "rt", "scope": "65000", "key": "rt", "value": 101}}
		}
	}
	f.plans[pid] = p
	return p
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/api/v1")
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	fromCookie := false
	if tok == "" {
		// The session cookie, as the server's (HttpOnly, SameSite=Strict; changes need the
		// CSRF header).
		if c, err := r.Cookie("xprov_session"); err == nil {
			tok, fromCookie = c.Value, true
		}
	}
	me, ok := fakeTokens[tok]
	if !ok {
		problem(w, 401, "Unauthorized", "unknown or revoked token", nil)
		return
	}
	if fromCookie && r.Method != http.MethodGet && r.Header.Get("X-Xprov-Csrf") == "" {
		problem(w, 403, "Forbidden", "a change by cookie needs X-Xprov-Csrf", nil)
		return
	}
	if path == "/session" {
		c := &http.Cookie{Name: "xprov_session", Value: tok, Path: "/api/v1", HttpOnly: true, SameSite: http.SameSiteStrictMode}
		if r.Method == http.MethodDelete {
			c.Value, c.MaxAge = "", -1
			http.SetCookie(w, c)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.SetCookie(w, c)
		writeJSON(w, 200, me)
		return
	}
	if path == "/events" {
		f.sse(w, r)
		return
	}
	if r.Method != http.MethodGet && me["role"] == "viewer" && !strings.HasSuffix(path, "/validate") {
		problem(w, 403, "Forbidden", "viewer cannot change anything", nil)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	seg := strings.Split(strings.Trim(path, "/"), "/")
	q := r.URL.Query()
	var body map[string]any
	if r.Body != nil {
		_ = json.NewDecoder(r.Body).Decode(&body)
	}
	dry := q.Get("dry_run") == "true"
	switch {
	case path == "/me":
		writeJSON(w, 200, me)
	case path == "/types":
		var out []map[string]json.RawMessage
		for _, n := range []string{"eline", "l3vpn"} {
			p := f.packs[n]
			out = append(out, map[string]json.RawMessage{"name": p["name"], "version": p["version"], "title": p["title"], "description": p["description"], "vendors": p["vendors"]})
		}
		writeJSON(w, 200, map[string]any{"items": out})
	case len(seg) == 2 && seg[0] == "types":
		p, ok := f.packs[seg[1]]
		if !ok {
			problem(w, 404, "Not Found", "no pack "+seg[1], nil)
			return
		}
		writeJSON(w, 200, p)
	case len(seg) == 3 && seg[0] == "types" && seg[2] == "validate":
		in, _ := body["intent"].(map[string]any)
		errs := f.validate(seg[1], in)
		writeJSON(w, 200, map[string]any{"valid": len(errs) == 0, "errors": append([]map[string]string{}, errs...)})
	case path == "/services" && r.Method == http.MethodGet:
		f.list(w, q)
	case path == "/reports/services":
		q.Set("count", "1")
		f.list(w, q)
	case path == "/services" && r.Method == http.MethodPost:
		typ, _ := body["type"].(string)
		in, _ := body["intent"].(map[string]any)
		if errs := f.validate(typ, in); len(errs) > 0 {
			problem(w, 422, "Unprocessable Entity", "the intent does not match the schema", errs)
			return
		}
		if errs := f.scriptCheck(in); len(errs) > 0 {
			problemOf(w, 422, "script", "Unprocessable Entity", "the pack refused the intent", errs)
			return
		}
		id, _ := body["id"].(string)
		if id == "" {
			id = fmt.Sprintf("%s-%d", typ, 1000+f.seq)
		}
		if _, taken := f.services[id]; taken {
			problemOf(w, 409, "exists", "Conflict", "engine: create "+id+": service exists", nil)
			return
		}
		if !dry {
			problem(w, 400, "Bad Request", "the fake only plans", nil)
			return
		}
		writeJSON(w, 200, f.plan("create", typ, id, nil, in, 0))
	case len(seg) >= 2 && seg[0] == "services":
		s, ok := f.services[seg[1]]
		if !ok {
			problem(w, 404, "Not Found", "no service "+seg[1], nil)
			return
		}
		f.service(w, r, s, seg[2:], body, dry)
	case len(seg) == 2 && seg[0] == "plans" && r.Method == http.MethodGet:
		if p, ok := f.plans[seg[1]]; ok {
			writeJSON(w, 200, p)
			return
		}
		problem(w, 404, "Not Found", "no plan", nil)
	case len(seg) == 3 && seg[0] == "plans" && seg[2] == "apply":
		p, ok := f.plans[seg[1]]
		if !ok {
			problem(w, 404, "Not Found", "no plan", nil)
			return
		}
		writeJSON(w, 202, f.apply(p, me["name"]))
	case path == "/runs":
		f.listRuns(w, q.Get("service"))
	case len(seg) == 3 && seg[0] == "runs" && seg[2] == "cancel" && r.Method == http.MethodPost:
		run, ok := f.runs[seg[1]]
		if !ok {
			problem(w, 404, "Not Found", "no run", nil)
			return
		}
		if st := run["state"]; st != "pending" && st != "running" {
			problemOf(w, 409, "run-finished", "Conflict", "run is already "+fmt.Sprint(st), nil)
			return
		}
		run["state"], run["finished"], run["updated"] = "cancelled", time.Now().UTC(), time.Now().UTC()
		writeJSON(w, 202, run)
	case len(seg) == 2 && seg[0] == "runs":
		if run, ok := f.runs[seg[1]]; ok {
			writeJSON(w, 200, run)
			return
		}
		problem(w, 404, "Not Found", "no run", nil)
	case path == "/devices":
		var out []map[string]any
		for _, d := range f.devices {
			out = append(out, map[string]any{"name": d.Name, "vendor": d.Vendor, "platform": d.Platform, "address": d.Address, "nms": d.NMS})
		}
		writeJSON(w, 200, map[string]any{"items": out})
	case len(seg) == 2 && seg[0] == "devices":
		for _, d := range f.devices {
			if d.Name != seg[1] {
				continue
			}
			var ports []map[string]any
			for _, p := range d.Ports {
				key := d.Name + " " + p.Name
				ports = append(ports, map[string]any{"name": p.Name, "speed_mbps": p.Speed, "admin_up": p.AdminUp, "oper_up": p.AdminUp && !f.linkDown[key],
					"description": f.portDesc[key], "services": append([]string{}, f.portUsers(d.Name, p.Name)...)})
			}
			writeJSON(w, 200, map[string]any{"name": d.Name, "vendor": d.Vendor, "platform": d.Platform, "address": d.Address, "nms": d.NMS, "ports": ports})
			return
		}
		problem(w, 404, "Not Found", "no device", nil)
	case path == "/pools":
		writeJSON(w, 200, map[string]any{"items": []map[string]any{
			{"pool": "vc-id", "scope": "global", "used": 61, "size": 1000, "min": 100, "max": 1099},
			{"pool": "rd", "scope": "65000", "used": 930, "size": 1000, "min": 1, "max": 1000},
			{"pool": "vlan", "scope": "pe1", "used": 3100, "size": 4094, "min": 1, "max": 4094}}})
	case path == "/reports/summary":
		writeJSON(w, 200, map[string]any{"services": len(f.order), "by_type": map[string]int{"eline": len(f.order) - 1, "l3vpn": 1},
			"by_state": map[string]int{"active": len(f.order) - 2, "failed": 1, "modifying": 1}, "by_vendor": map[string]int{"junos": 61, "sros": 60},
			"pools":      []map[string]any{{"pool": "vc-id", "scope": "global", "used": 61, "size": 1000}, {"pool": "rd", "scope": "65000", "used": 930, "size": 1000}},
			"compliance": map[string]int{"audited": 40 + f.audits, "in_sync": 37, "drifted": 3 + f.audits}})
	default:
		problem(w, 404, "Not Found", "the fake has no "+r.Method+" "+path, nil)
	}
}

// match applies the filters of GET /services as the store does: exact type, state and
// customer; device (and port) among the endpoints; q words anywhere in id, customer and
// intent, without regard to case.
func (f *fakeAPI) match(s *fakeService, get func(string) string) bool {
	if (get("type") != "" && s.Type != get("type")) || (get("state") != "" && s.State != get("state")) ||
		(get("customer") != "" && s.Customer != get("customer")) {
		return false
	}
	if q := get("q"); q != "" {
		intent, _ := json.Marshal(s.Intent)
		text := strings.ToLower(s.ID + " " + s.Customer + " " + string(intent))
		for _, w := range strings.Fields(strings.ToLower(q)) {
			if !strings.Contains(text, w) {
				return false
			}
		}
	}
	if d := get("device"); d != "" {
		hit := false
		for _, ep := range endpointsOf(s) {
			hit = hit || (ep["device"] == d && (get("port") == "" || ep["port"] == get("port")))
		}
		if !hit {
			return false
		}
	}
	return true
}

func (f *fakeAPI) list(w http.ResponseWriter, q map[string][]string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	limit, _ := strconv.Atoi(get("limit"))
	if limit <= 0 {
		limit = 50
	}
	var sel []*fakeService
	for i := len(f.order) - 1; i >= 0; i-- { // -updated: newest first
		if s := f.services[f.order[i]]; f.match(s, get) {
			sel = append(sel, s)
		}
	}
	switch get("sort") {
	case "id":
		sort.Slice(sel, func(i, j int) bool { return sel[i].ID < sel[j].ID })
	case "-id":
		sort.Slice(sel, func(i, j int) bool { return sel[i].ID > sel[j].ID })
	case "updated":
		slices.Reverse(sel)
	}
	if get("count") != "" {
		writeJSON(w, 200, map[string]any{"total": len(sel)})
		return
	}
	start, _ := strconv.Atoi(get("cursor"))
	end := min(start+limit, len(sel))
	items := []map[string]any{}
	for _, s := range sel[min(start, len(sel)):end] {
		items = append(items, f.view(s))
	}
	next := ""
	if end < len(sel) {
		next = strconv.Itoa(end)
	}
	writeJSON(w, 200, map[string]any{"items": items, "next_cursor": next})
}

// listRuns answers GET /runs: newest first, optionally of one service.
func (f *fakeAPI) listRuns(w http.ResponseWriter, service string) {
	var out []map[string]any
	for _, r := range f.runs {
		if service == "" || r["service"] == service {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		ti, tj := out[i]["created"].(time.Time), out[j]["created"].(time.Time)
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return fmt.Sprint(out[i]["id"]) > fmt.Sprint(out[j]["id"])
	})
	writeJSON(w, 200, map[string]any{"items": append([]map[string]any{}, out...)})
}

func (f *fakeAPI) view(s *fakeService) map[string]any {
	var eps []map[string]any
	for _, ep := range endpointsOf(s) {
		eps = append(eps, map[string]any{"device": ep["device"], "port": ep["port"]})
	}
	return map[string]any{"id": s.ID, "type": s.Type, "customer": s.Customer, "state": s.State, "intent": s.Intent, "pack_version": "1.0.0",
		"version": s.Version, "created": s.Created, "updated": s.Updated, "endpoints": eps}
}

func (f *fakeAPI) service(w http.ResponseWriter, r *http.Request, s *fakeService, rest []string, body map[string]any, dry bool) {
	etag := fmt.Sprintf("%q", strconv.Itoa(s.Version))
	ifMatch := r.Header.Get("If-Match")
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		w.Header().Set("ETag", etag)
		writeJSON(w, 200, f.view(s))
	case len(rest) == 0 && (r.Method == http.MethodPut || r.Method == http.MethodDelete):
		if ifMatch == "" {
			problem(w, 428, "Precondition Required", "If-Match is required", nil)
			return
		}
		if ifMatch != etag {
			problemOf(w, 412, "stale", "Precondition Failed", "service is at version "+strconv.Itoa(s.Version), nil)
			return
		}
		if r.Method == http.MethodDelete {
			writeJSON(w, 200, f.plan("delete", s.Type, s.ID, s.Intent, nil, s.Version))
			return
		}
		in, _ := body["intent"].(map[string]any)
		if errs := f.validate(s.Type, in); len(errs) > 0 {
			problem(w, 422, "Unprocessable Entity", "the intent does not match the schema", errs)
			return
		}
		if errs := f.scriptCheck(in); len(errs) > 0 {
			problemOf(w, 422, "script", "Unprocessable Entity", "the pack refused the intent", errs)
			return
		}
		writeJSON(w, 200, f.plan("modify", s.Type, s.ID, s.Intent, in, s.Version))
	case len(rest) == 1 && rest[0] == "config":
		var out []map[string]any
		for _, ep := range endpointsOf(s) {
			t := ep["device"].(string)
			if f.vendorOf(t) == "sros" {
				t = "sam1"
			}
			out = append(out, map[string]any{"target": t, "path": fmt.Sprintf("interfaces/interface[%s]/unit[%v]/vlan-id", ep["port"], ep["vlan"]), "value": fmt.Sprint(ep["vlan"])})
		}
		writeJSON(w, 200, out)
	case len(rest) == 2 && rest[0] == "config" && rest[1] == "native":
		var out []map[string]any
		for _, ep := range endpointsOf(s) {
			t, format := ep["device"].(string), "junos-set"
			text := fmt.Sprintf("set interfaces %s unit %v vlan-id %v", ep["port"], ep["vlan"], ep["vlan"])
			if f.vendorOf(t) == "sros" {
				t, format, text = "sam1", "sam-ops", fmt.Sprintf("create vll.L2AccessInterface portPointer=%s outerEncapValue=%v", ep["port"], ep["vlan"])
			}
			out = append(out, map[string]any{"target": t, "format": format, "text": text, "nodes": 1})
		}
		writeJSON(w, 200, map[string]any{"items": out})
	case len(rest) == 1 && rest[0] == "allocations":
		writeJSON(w, 200, []map[string]any{{"pool": "vc-id", "scope": "global", "key": "pw", "value": 100, "service": s.ID}})
	case len(rest) == 1 && rest[0] == "runs":
		var out []map[string]any
		for i := len(s.Runs) - 1; i >= 0; i-- {
			out = append(out, f.runs[s.Runs[i]])
		}
		writeJSON(w, 200, map[string]any{"items": out})
	case len(rest) == 1 && rest[0] == "audit":
		f.audits++
		writeJSON(w, 200, map[string]any{"service": s.ID, "in_sync": false, "drift": []map[string]any{{"target": "pe1",
			"changed": []map[string]any{{"path": "interfaces/interface[ge-0/0/2]/unit[1060]/vlan-id", "want": "1060", "actual": "1061"}},
			"missing": []map[string]any{{"path": []any{map[string]any{"name": "interfaces", "key": nil}, map[string]any{"name": "interface", "key": "ge-0/0/2"},
				map[string]any{"name": "unit", "key": "1060"}, map[string]any{"name": "description", "key": nil}}, "value": "eline-060"}}}}})
	case len(rest) == 1 && rest[0] == "redeploy":
		writeJSON(w, 200, f.plan("redeploy", s.Type, s.ID, nil, s.Intent, s.Version))
	default:
		problem(w, 404, "Not Found", "no such route", nil)
	}
}

// apply runs a plan at once (the fake has no devices): journal, target results, events.
func (f *fakeAPI) apply(p map[string]any, user string) map[string]any {
	f.seq++
	id := fmt.Sprintf("run-%d", f.seq)
	svc := p["service"].(string)
	op := p["op"].(string)
	now := time.Now().UTC()
	var journal []map[string]any
	var results []map[string]any
	step := func(name, phase string) {
		journal = append(journal, map[string]any{"run_id": id, "seq": len(journal) + 1, "step": name, "phase": phase, "at": now})
	}
	step("compute", "begin")
	step("compute", "done")
	req := p["request"].(map[string]any)
	in, _ := req["intent"].(map[string]any)
	for _, ep := range endpointsOf(&fakeService{Intent: in}) {
		if v, _ := ep["vlan"].(float64); v == 666 && op != "delete" {
			// The device refuses the commit: the run fails, its prepare step left begun.
			dev := ep["device"].(string)
			step("prepare:"+dev, "begin")
			run := map[string]any{"id": id, "service": svc, "kind": op, "state": "failed", "user": user, "plan_id": p["id"],
				"error": "prepare " + dev + ": rejected: commit check failed: VLAN 666 is reserved", "journal": journal,
				"targets": []map[string]any{{"target": dev, "state": "failed", "error": "commit check failed: VLAN 666 is reserved"}},
				"created": now, "updated": now, "finished": now}
			f.runs[id] = run
			if op == "create" {
				c, _ := in["customer"].(string)
				f.services[svc] = &fakeService{ID: svc, Type: p["type"].(string), Customer: c, State: "failed", Intent: in, Version: 0, Created: now, Updated: now, Runs: []string{id}}
				f.order = append(f.order, svc)
			}
			f.emit("run.pending", svc, id)
			f.emit("run.failed", svc, id)
			return map[string]any{"id": id, "service": svc, "kind": op, "state": "pending", "created": now, "updated": now}
		}
	}
	for _, t := range p["targets"].([]map[string]any) {
		step("prepare:"+t["target"].(string), "done")
		results = append(results, map[string]any{"target": t["target"], "state": "committed", "changes": len(t["change_set"].(map[string]any)["changes"].([]map[string]any))})
	}
	step("decide", "done")
	for _, t := range p["targets"].([]map[string]any) {
		step("commit:"+t["target"].(string), "done")
	}
	step("record", "done")
	run := map[string]any{"id": id, "service": svc, "kind": op, "state": "succeeded", "user": user, "plan_id": p["id"], "targets": results, "request": req,
		"journal": journal, "created": now, "updated": now, "finished": now}
	f.runs[id] = run
	switch op {
	case "create":
		in := req["intent"].(map[string]any)
		c, _ := in["customer"].(string)
		f.services[svc] = &fakeService{ID: svc, Type: p["type"].(string), Customer: c, State: "active", Intent: in, Version: 1, Created: now, Updated: now}
		f.order = append(f.order, svc)
	case "modify":
		s := f.services[svc]
		s.Intent = req["intent"].(map[string]any)
		s.Version++
		s.State = "active"
		s.Updated = now
	case "delete":
		delete(f.services, svc)
		for i, o := range f.order {
			if o == svc {
				f.order = append(f.order[:i], f.order[i+1:]...)
				break
			}
		}
	}
	if s, ok := f.services[svc]; ok {
		s.Runs = append(s.Runs, id)
	}
	f.emit("run.pending", svc, id)
	f.emit("run.succeeded", svc, id)
	return map[string]any{"id": id, "service": svc, "kind": op, "state": "pending", "created": now, "updated": now}
}

func (f *fakeAPI) sse(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl, _ := w.(http.Flusher)
	run := r.URL.Query().Get("run")
	sent := 0
	for {
		f.mu.Lock()
		evs := f.events[sent:]
		sent = len(f.events)
		ch := f.notify
		f.mu.Unlock()
		for _, ev := range evs {
			if run != "" && ev["run_id"] != run {
				continue
			}
			b, _ := json.Marshal(ev)
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev["seq"], ev["type"], b)
		}
		if fl != nil {
			fl.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-ch:
		}
	}
}
