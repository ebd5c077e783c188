package sim

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xprov/xprov/adapters/sam/samo"
	"github.com/xprov/xprov/adapters/xmltree"
)

const soapNS = "http://schemas.xmlsoap.org/soap/envelope/"

// Options configure a simulated SAM.
type Options struct {
	// Nodes is the number of managed 7750 SR nodes, named sr1..srN with system addresses
	// 10.255.2.1..10.255.2.N (default 3).
	Nodes int
	// PortsPerNode is the number of physical ports per node, 1/1/1..1/1/P (default 10). The
	// last port of each node is administratively down.
	PortsPerNode int
	// User and Password are the credentials accepted (default "admin" / "admin").
	User, Password string
	// Customers are the customer (subscr.Subscriber) ids that exist (default [1]).
	Customers []int
	// MaxBodyBytes bounds a request body (default 4 MiB); MaxDepth its nesting (default 48).
	MaxBodyBytes int64
	MaxDepth     int
	// FaultStatus is the HTTP status sent with SOAP faults: 500 (default, as SOAP 1.1 says)
	// or 200 (as some SAM releases and proxies do).
	FaultStatus int
	// Latency delays every reply, after the request took effect.
	Latency time.Duration
	// StateFile, when set, is where the configured objects are kept: Restore reads it, and
	// every change that took effect rewrites it (atomically), so a restarted simulator holds
	// what it held. Off by default (tests); the demo turns it on.
	StateFile string
	// OnSaveError is told when the state file cannot be written (default: ignored).
	OnSaveError func(error)
}

// Node describes one simulated network element.
type Node struct {
	Name    string
	Address string
	Ports   []string
}

// Injection makes the simulator fail requests on purpose.
type Injection struct {
	// Method restricts the injection to one SAM-O method (e.g. "find" or
	// "generic.GenericObject.deleteInstance"); empty matches every method.
	Method string
	// Nth is the matching request, counted from now, that fails first (1 = the next one).
	Nth int
	// Count is how many consecutive matching requests fail from the Nth on (default 1;
	// negative: all of them until ClearInjections).
	Count int
	// Server sends faultcode SOAP:Server rather than SOAP:Client.
	Server bool
	// Message is the fault's description (default "injected fault").
	Message string
	// Apply lets the request take effect before the fault is returned (a reply lost after
	// the change was made).
	Apply bool
	// Delay, when set, turns the injection into a slow reply instead of a fault: the request
	// takes effect and its reply is held back by Delay.
	Delay time.Duration
	// Drop closes the connection without any reply instead of answering with a fault (the
	// request takes effect first when Apply is set): a connection cut while a call is in
	// flight.
	Drop bool
}

type injection struct {
	Injection
	seen int
	left int
}

// Server is a simulated 5620 SAM speaking SAM-O over SOAP 1.1: POST /xmlapi/invoke, and its
// WSDL at GET /wsdl. It is an http.Handler; Start serves it on a TCP address.
type Server struct {
	opts  Options
	nodes []Node

	mu sync.RWMutex // guards st
	st *store

	saveMu sync.Mutex // serializes writes of the state file

	cfgMu       sync.Mutex // guards the fields below
	user, pass  string
	busy        bool
	unreachable bool
	latency     time.Duration
	faultStatus int
	injections  []*injection

	requests atomic.Int64

	logMu   sync.Mutex
	log     []string // recent requests, "method target": a ring of up to logSize
	logNext int      // where the next entry goes once the ring is full

	srvMu sync.Mutex
	srv   *http.Server
	ln    net.Listener
}

// New builds a simulated SAM with its network elements, ports and customers.
func New(o Options) *Server {
	if o.Nodes <= 0 {
		o.Nodes = 3
	}
	if o.PortsPerNode <= 0 {
		o.PortsPerNode = 10
	}
	if o.User == "" {
		o.User = "admin"
	}
	if o.Password == "" {
		o.Password = "admin"
	}
	if len(o.Customers) == 0 {
		o.Customers = []int{1}
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 4 << 20
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 48
	}
	if o.FaultStatus == 0 {
		o.FaultStatus = http.StatusInternalServerError
	}
	s := &Server{opts: o, st: newStore(), user: o.User, pass: o.Password, latency: o.Latency, faultStatus: o.FaultStatus}
	st := s.st
	for _, mg := range sam.Managers {
		st.add(&object{class: mg.Class, fdn: mg.FDN, props: map[string]string{}})
	}
	for _, e := range sam.Existing {
		// The default policies every node has: present, not configurable.
		c := classes[e.Class]
		kp, _ := c.KeyProps(e.Key)
		kp["displayedName"], kp["description"] = "default", e.Doc
		parent := st.objs[sam.ManagerOf(c).FDN]
		o := &object{class: e.Class, fdn: c.FDN(parent.fdn, kp), parent: parent, props: kp, builtin: true}
		st.add(o)
	}
	for _, c := range o.Customers {
		id := strconv.Itoa(c)
		st.customer[id] = true
		st.add(&object{class: subClass, fdn: "subscriber-" + id, props: map[string]string{
			"id": id, "name": "customer-" + id, "description": "simulated customer " + id,
		}})
	}
	for i := 1; i <= o.Nodes; i++ {
		n := Node{Name: fmt.Sprintf("sr%d", i), Address: fmt.Sprintf("10.255.%d.%d", 2+(i-1)/250, 1+(i-1)%250)}
		ne := &neInfo{name: n.Name, addr: n.Address, ports: map[string]*object{}}
		neObj := &object{class: neClass, fdn: "network:" + n.Address, props: map[string]string{
			"siteName": n.Name, "siteId": n.Address, "product": "7750 SR", "chassisType": "7750 SR-12",
			"version": "TiMOS-C-20.10.R1", "serialNumber": fmt.Sprintf("NS20%06d", i),
			"communicationState": "up", "ipAddress": n.Address,
		}, ne: ne}
		st.add(neObj)
		st.nesByIP[n.Address] = ne
		for p := 1; p <= o.PortsPerNode; p++ {
			name := fmt.Sprintf("1/1/%d", p)
			adm, oper := "up", "up"
			if p == o.PortsPerNode && p > 1 {
				adm, oper = "down", "down"
			}
			port := &object{class: portClass, parent: neObj, ne: ne,
				fdn: fmt.Sprintf("network:%s:shelf-1:cardSlot-1:card:daughterCardSlot-1:daughterCard:port-%d", n.Address, p),
				props: map[string]string{
					"portName": name, "siteId": n.Address, "siteName": n.Name, "speed": "10000",
					"administrativeState": adm, "operationalState": oper, "description": "10-Gig Ethernet",
				}}
			st.add(port)
			ne.ports[name] = port
			n.Ports = append(n.Ports, name)
		}
		s.nodes = append(s.nodes, n)
	}
	return s
}

// Nodes lists the simulated network elements.
func (s *Server) Nodes() []Node { return append([]Node(nil), s.nodes...) }

// Start serves the simulator on addr (e.g. "127.0.0.1:0").
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sam sim: listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.srvMu.Lock()
	s.srv, s.ln = srv, ln
	s.srvMu.Unlock()
	go srv.Serve(ln)
	return nil
}

// URL is the base URL of a started server, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// InvokeURL is where SAM-O requests go: URL() + "/xmlapi/invoke".
func (s *Server) InvokeURL() string { return s.URL() + "/xmlapi/invoke" }

// WSDLURL is where the WSDL is served: URL() + "/wsdl".
func (s *Server) WSDLURL() string { return s.URL() + "/wsdl" }

// Close stops a started server.
func (s *Server) Close() error {
	s.srvMu.Lock()
	srv := s.srv
	s.srv, s.ln = nil, nil
	s.srvMu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.Close()
}

// SetCredentials changes the accepted user and password.
func (s *Server) SetCredentials(user, password string) {
	s.cfgMu.Lock()
	s.user, s.pass = user, password
	s.cfgMu.Unlock()
}

// SetBusy makes every request fail with a server-busy fault until SetBusy(false).
func (s *Server) SetBusy(b bool) { s.cfgMu.Lock(); s.busy = b; s.cfgMu.Unlock() }

// SetLatency delays every reply by d.
func (s *Server) SetLatency(d time.Duration) { s.cfgMu.Lock(); s.latency = d; s.cfgMu.Unlock() }

// SetFaultStatus sets the HTTP status of SOAP faults (500 or 200).
func (s *Server) SetFaultStatus(code int) { s.cfgMu.Lock(); s.faultStatus = code; s.cfgMu.Unlock() }

// Inject adds a fault injection.
func (s *Server) Inject(in Injection) {
	if in.Nth <= 0 {
		in.Nth = 1
	}
	if in.Count == 0 {
		in.Count = 1
	}
	if in.Message == "" {
		in.Message = "injected fault"
	}
	s.cfgMu.Lock()
	s.injections = append(s.injections, &injection{Injection: in, left: in.Count})
	s.cfgMu.Unlock()
}

// ClearInjections removes every fault injection, the busy state and unreachability.
func (s *Server) ClearInjections() {
	s.cfgMu.Lock()
	s.injections, s.busy, s.unreachable = nil, false, false
	s.cfgMu.Unlock()
}

// Requests is the number of SAM-O requests received so far.
func (s *Server) Requests() int64 { return s.requests.Load() }

// RequestLog returns the most recent requests (up to 1000) that reached a method, oldest
// first, as "method target" (the FDN or class acted on), e.g.
// "generic.GenericObject.deleteInstance svc-mgr:service-100".
func (s *Server) RequestLog() []string {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	out := make([]string, 0, len(s.log))
	out = append(out, s.log[s.logNext:]...)
	return append(out, s.log[:s.logNext]...)
}

const logSize = 1000

func (s *Server) record(method string, m *xmltree.Node) {
	target := m.ChildText("distinguishedName")
	switch method {
	case "find":
		target = m.ChildText("fullClassName")
	case "generic.GenericObject.deleteInstance":
		target = m.ChildText("instanceName")
	case "script.ScriptManager.executeCli":
		target = m.ChildText("siteId") + " " + m.ChildText("command")
	case "generic.GenericObject.configureChildInstance":
		if c := m.Child("childConfigInfo"); c != nil && len(c.Children) > 0 {
			target += " " + c.Children[0].Name.Local
		}
	}
	s.logMu.Lock()
	if len(s.log) < logSize {
		s.log = append(s.log, method+" "+target)
	} else {
		// A ring, so that a full log costs no more per request than an empty one.
		s.log[s.logNext] = method + " " + target
		s.logNext = (s.logNext + 1) % logSize
	}
	s.logMu.Unlock()
}

// Exists reports whether an object with this FDN exists.
func (s *Server) Exists(fdn string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.objs[fdn] != nil
}

// Count returns the number of objects of a class.
func (s *Server) Count(class string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.st.byClass[class])
}

// Props returns a copy of an object's configured properties, nil if it does not exist.
func (s *Server) Props(fdn string) map[string]string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.st.objs[fdn]
	if o == nil {
		return nil
	}
	out := make(map[string]string, len(o.props))
	for k, v := range o.props {
		out[k] = v
	}
	return out
}

// ServeHTTP answers GET /wsdl, POST /xmlapi/invoke and the fault-injection control
// /control/faults (GET, POST, DELETE; HTTP basic authentication with the SAM-O credentials).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && (r.URL.Path == "/wsdl" || r.URL.RawQuery == "wsdl"):
		s.serveWSDL(w, r)
	case r.URL.Path == "/control/faults":
		s.serveControl(w, r)
	case r.URL.Path == "/xmlapi/invoke":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			http.Error(w, "POST a SOAP envelope", http.StatusMethodNotAllowed)
			return
		}
		s.serveInvoke(w, r)
	default:
		http.NotFound(w, r)
	}
}

// serveWSDL serves the contract with the service address pointing at this server.
func (s *Server) serveWSDL(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if host == "" {
		host = "127.0.0.1"
	}
	var esc bytes.Buffer
	_ = xml.EscapeText(&esc, []byte("http://"+host+"/xmlapi/invoke"))
	doc := bytes.Replace(samo.WSDL, []byte("http://127.0.0.1:8080/xmlapi/invoke"), esc.Bytes(), 1)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write(doc)
}

// request is one parsed SAM-O call.
type request struct {
	requestID string
	received  time.Time
	method    *xmltree.Node
}

func (s *Server) serveInvoke(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	req := &request{received: time.Now()}
	s.cfgMu.Lock()
	latency, status, unreachable := s.latency, s.faultStatus, s.unreachable
	s.cfgMu.Unlock()
	if unreachable {
		panic(http.ErrAbortHandler) // net/http closes the connection without a reply
	}

	body := http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	env, err := xmltree.Parse(body, xmltree.Limits{MaxBytes: s.opts.MaxBodyBytes, MaxDepth: s.opts.MaxDepth, MaxElements: 200000})
	var resp func(*xmlWriter)
	var f *fault
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = fmt.Errorf("request body larger than %d bytes", s.opts.MaxBodyBytes)
		}
		f = clientFault(excXML, "", "malformed request: %v", err)
	} else {
		var delay time.Duration
		var drop bool
		resp, f, delay, drop = s.handle(r.Context(), env, req)
		if drop {
			panic(http.ErrAbortHandler) // net/http closes the connection without a reply
		}
		latency += delay
	}
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	s.reply(w, req, resp, f, status)
}

func (s *Server) handle(ctx context.Context, env *xmltree.Node, req *request) (func(*xmlWriter), *fault, time.Duration, bool) {
	resp, f, inj := s.handleInj(ctx, env, req)
	if inj != nil && inj.Drop {
		return nil, nil, 0, true
	}
	if inj != nil && inj.Delay > 0 {
		return resp, f, inj.Delay, false
	}
	return resp, f, 0, false
}

func (s *Server) handleInj(ctx context.Context, env *xmltree.Node, req *request) (func(*xmlWriter), *fault, *injection) {
	if env.Name.Local != "Envelope" || env.Name.Space != soapNS {
		return nil, clientFault(excXML, "", "not a SOAP 1.1 envelope: root element {%s}%s", env.Name.Space, env.Name.Local), nil
	}
	hdr := env.Child("Header").Child("header")
	bodyEl := env.Child("Body")
	if bodyEl == nil || len(bodyEl.Children) == 0 {
		return nil, clientFault(excXML, "", "SOAP body is empty"), nil
	}
	if len(bodyEl.Children) > 1 {
		return nil, clientFault(excXML, "", "one method per request, got %d", len(bodyEl.Children)), nil
	}
	req.method = bodyEl.Children[0]
	if hdr != nil {
		req.requestID = hdr.ChildText("requestID")
	}
	if f := s.authenticate(hdr); f != nil {
		return nil, f, nil
	}
	if req.requestID == "" {
		return nil, clientFault(excXML, "", "header requestID is missing"), nil
	}
	method := req.method.Name.Local
	s.record(method, req.method)
	s.cfgMu.Lock()
	busy := s.busy
	var inj *injection
	for _, in := range s.injections {
		if in.Method != "" && in.Method != method {
			continue
		}
		in.seen++
		if in.seen >= in.Nth && in.left != 0 {
			in.left--
			inj = in
			break
		}
	}
	s.cfgMu.Unlock()
	if busy {
		return nil, &fault{server: true, typ: excBusy, msg: "server busy: too many outstanding requests, retry later"}, nil
	}
	if inj != nil && inj.Delay > 0 {
		resp, f := s.dispatch(method, req.method)
		return resp, f, inj
	}
	if inj != nil {
		if inj.Apply {
			s.dispatch(method, req.method)
		}
		return nil, &fault{server: inj.Server, typ: excInjected, msg: inj.Message}, inj
	}
	resp, f := s.dispatch(method, req.method)
	return resp, f, nil
}

// authenticate checks the header's user and password: an MD5 hex digest by default, plain
// text with hashed="false".
func (s *Server) authenticate(hdr *xmltree.Node) *fault {
	sec := hdr.Child("security")
	if sec == nil {
		return clientFault(excAuth, "", "authentication failed: no security header")
	}
	user := sec.ChildText("user")
	pw := sec.Child("password")
	s.cfgMu.Lock()
	wantUser, wantPass := s.user, s.pass
	s.cfgMu.Unlock()
	if pw == nil {
		return clientFault(excAuth, "", "authentication failed for user %q", user)
	}
	given := strings.TrimSpace(pw.Text)
	want := wantPass
	if h, _ := pw.AttrValue("hashed"); h != "false" {
		sum := md5.Sum([]byte(wantPass))
		want = hex.EncodeToString(sum[:])
		given = strings.ToLower(given)
	}
	okUser := subtle.ConstantTimeCompare([]byte(user), []byte(wantUser)) == 1
	okPass := subtle.ConstantTimeCompare([]byte(given), []byte(want)) == 1
	if !okUser || !okPass {
		return clientFault(excAuth, "", "authentication failed for user %q", user)
	}
	return nil
}

func (s *Server) dispatch(method string, m *xmltree.Node) (func(*xmlWriter), *fault) {
	resp, f := s.dispatchMethod(method, m)
	if f == nil && s.opts.StateFile != "" && strings.HasPrefix(method, "generic.GenericObject.") {
		if err := s.save(); err != nil && s.opts.OnSaveError != nil {
			s.opts.OnSaveError(err)
		}
	}
	return resp, f
}

func (s *Server) dispatchMethod(method string, m *xmltree.Node) (func(*xmlWriter), *fault) {
	switch method {
	case "ping":
		return func(w *xmlWriter) { w.startNS("pingResponse"); w.end("pingResponse") }, nil
	case "version":
		return func(w *xmlWriter) {
			w.startNS("versionResponse")
			w.leaf("version", "20.10.R1")
			w.leaf("baseVersion", "20.10")
			w.leaf("build", "simulated")
			w.leaf("patch", "0")
			w.end("versionResponse")
		}, nil
	case "find":
		return s.find(m)
	case "generic.GenericObject.configureChildInstance":
		return s.configureChild(m)
	case "generic.GenericObject.configureInstance":
		return s.configure(m)
	case "generic.GenericObject.deleteInstance":
		return s.deleteInstance(m)
	case "script.ScriptManager.executeCli":
		return s.executeCli(m)
	}
	return nil, clientFault(excXML, "", "unknown method %s", method)
}

func (s *Server) find(m *xmltree.Node) (func(*xmlWriter), *fault) {
	class := m.ChildText("fullClassName")
	if class == "" {
		return nil, clientFault(excXML, "", "find: fullClassName is missing")
	}
	if !knownClass(class) {
		f := clientFault(excClass, "", "unknown class %s", class)
		f.class = class
		return nil, f
	}
	flt, f := compileFilter(m.Child("filter"))
	if f != nil {
		return nil, f
	}
	rf, f := compileResultFilter(m.Child("resultFilter"))
	if f != nil {
		return nil, f
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	objs := s.st.find(class, flt, m.Child("filter"))
	var buf bytes.Buffer
	w := &xmlWriter{e: xml.NewEncoder(&buf)}
	for _, o := range objs {
		s.st.writeObject(w, o, rf)
	}
	if w.err == nil {
		w.err = w.e.Flush()
	}
	if w.err != nil {
		return nil, &fault{server: true, typ: excXML, msg: "encoding result: " + w.err.Error()}
	}
	result := buf.String()
	return func(w *xmlWriter) {
		w.startNS("findResponse")
		w.start("result")
		if w.err == nil {
			w.err = w.e.Flush()
		}
		if w.err == nil {
			// The result was produced by an xml.Encoder above; it is well formed and escaped.
			_, w.err = w.raw.WriteString(result)
		}
		w.end("result")
		w.end("findResponse")
	}, nil
}

func singleSpec(n *xmltree.Node, what string) (*spec, *fault) {
	if f := noText(n, what); f != nil {
		return nil, f
	}
	if n == nil || len(n.Children) != 1 {
		return nil, clientFault(excXML, "", "%s must hold exactly one object", what)
	}
	return parseSpec(n.Children[0])
}

func (s *Server) configureChild(m *xmltree.Node) (func(*xmlWriter), *fault) {
	parentFDN := m.ChildText("distinguishedName")
	sp, f := singleSpec(m.Child("childConfigInfo"), "childConfigInfo")
	if f != nil {
		return nil, f
	}
	fdn, f := s.createChild(parentFDN, sp)
	if f != nil {
		return nil, f
	}
	return func(w *xmlWriter) {
		w.startNS("generic.GenericObject.configureChildInstanceResponse")
		w.leaf("objectFullName", fdn)
		w.end("generic.GenericObject.configureChildInstanceResponse")
	}, nil
}

// createChild creates sp and its children below parentFDN, all or nothing.
func (s *Server) createChild(parentFDN string, sp *spec) (string, *fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	parent := s.st.objs[parentFDN]
	if parent == nil {
		return "", clientFault(excNotFound, parentFDN, "parent object %s does not exist", parentFDN)
	}
	var made []*object
	o, f := s.st.create(parent, sp, &made)
	if f != nil {
		for i := len(made) - 1; i >= 0; i-- {
			s.st.remove(made[i])
		}
		return "", f
	}
	return o.fdn, nil
}

// Object is a configurable object with its children, for Create.
type Object struct {
	Class    string
	Props    map[string]string
	Children []Object
}

func (o Object) spec() *spec {
	sp := &spec{class: o.Class, action: "create", props: make(map[string]string, len(o.Props))}
	for k, v := range o.Props {
		sp.props[k] = v
	}
	for _, c := range o.Children {
		sp.children = append(sp.children, c.spec())
	}
	return sp
}

// Create creates obj and its children below the object parentFDN with the checks and the
// all-or-nothing outcome of generic.GenericObject.configureChildInstance, without SOAP: tests
// and benchmarks use it to fill a large database quickly. It returns the new object's FDN;
// a refusal is an error carrying the fault SAM-O would send.
func (s *Server) Create(parentFDN string, obj Object) (string, error) {
	fdn, f := s.createChild(parentFDN, obj.spec())
	if f != nil {
		return "", fmt.Errorf("sam sim: create %s below %s: %w", obj.Class, parentFDN, f)
	}
	return fdn, nil
}

func (s *Server) configure(m *xmltree.Node) (func(*xmlWriter), *fault) {
	fdn := m.ChildText("distinguishedName")
	sp, f := singleSpec(m.Child("configInfo"), "configInfo")
	if f != nil {
		return nil, f
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.objs[fdn]
	if o == nil {
		return nil, clientFault(excNotFound, fdn, "object %s does not exist", fdn)
	}
	var made []*object
	var undo []func()
	if f := s.st.modify(o, sp, &made, &undo); f != nil {
		for i := len(made) - 1; i >= 0; i-- {
			s.st.remove(made[i])
		}
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
		return nil, f
	}
	return func(w *xmlWriter) {
		w.startNS("generic.GenericObject.configureInstanceResponse")
		w.leaf("objectFullName", fdn)
		w.end("generic.GenericObject.configureInstanceResponse")
	}, nil
}

func (s *Server) deleteInstance(m *xmltree.Node) (func(*xmlWriter), *fault) {
	fdn := m.ChildText("instanceName")
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.objs[fdn]
	if o == nil {
		return nil, clientFault(excNotFound, fdn, "object %s does not exist", fdn)
	}
	if _, ok := classes[o.class]; !ok || o.builtin {
		return nil, clientFault(excValidation, fdn, "objects of class %s cannot be deleted", o.class)
	}
	if user := s.st.inUse(o); user != nil {
		f := clientFault(excValidation, fdn, "%s is in use by %s and cannot be deleted", fdn, user.fdn)
		f.class = o.class
		return nil, f
	}
	s.st.remove(o)
	return func(w *xmlWriter) {
		w.startNS("generic.GenericObject.deleteInstanceResponse")
		w.end("generic.GenericObject.deleteInstanceResponse")
	}, nil
}

// reply writes the SOAP response: a header echoing the requestID with request and response
// times (ms since the epoch), then the method response or a fault.
func (s *Server) reply(w http.ResponseWriter, req *request, resp func(*xmlWriter), f *fault, faultStatus int) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	xw := &xmlWriter{e: xml.NewEncoder(&buf), raw: &buf}
	ns := xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: samo.Namespace}
	xw.start("SOAP:Envelope", xml.Attr{Name: xml.Name{Local: "xmlns:SOAP"}, Value: soapNS})
	xw.start("SOAP:Header")
	xw.start("header", ns)
	xw.leaf("requestID", req.requestID)
	xw.leaf("requestTime", strconv.FormatInt(req.received.UnixMilli(), 10))
	xw.leaf("responseTime", strconv.FormatInt(time.Now().UnixMilli(), 10))
	xw.end("header")
	xw.end("SOAP:Header")
	xw.start("SOAP:Body")
	status := http.StatusOK
	if f != nil {
		status = faultStatus
		code := "SOAP:Client"
		if f.server {
			code = "SOAP:Server"
		}
		xw.start("SOAP:Fault")
		xw.leaf("faultcode", code)
		xw.leaf("faultstring", f.msg)
		xw.start("detail")
		xw.start("exception", ns)
		xw.leaf("type", f.typ)
		xw.leaf("description", f.msg)
		if f.fdn != "" {
			xw.leaf("objectFullName", f.fdn)
		}
		if f.class != "" {
			xw.leaf("className", f.class)
		}
		if f.prop != "" {
			xw.leaf("propertyName", f.prop)
			xw.leaf("propertyValue", f.value)
		}
		xw.end("exception")
		xw.end("detail")
		xw.end("SOAP:Fault")
	} else {
		resp(&xmlWriter{e: xw.e, raw: &buf})
		// resp writes through the same encoder; the default namespace goes on its first element.
	}
	xw.end("SOAP:Body")
	xw.end("SOAP:Envelope")
	if xw.err == nil {
		xw.err = xw.e.Flush()
	}
	if xw.err != nil {
		http.Error(w, "encoding reply: "+xw.err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
