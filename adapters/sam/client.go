package sam

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hooklift/gowsdl/soap"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/sam/samo"
	"github.com/xprov/xprov/adapters/xmltree"
)

// Options configure a SAM target.
type Options struct {
	// Name is the SAM's inventory name (e.g. "sam1"); it names the target and the NMS of the
	// discovered devices.
	Name string
	// URL is the SAM-O endpoint, e.g. http://sam:8080/xmlapi/invoke. A URL without a path gets
	// /xmlapi/invoke appended.
	URL string
	// User and Password authenticate every request. The password is sent as its MD5 hex digest
	// unless PlainPassword is set (then hashed="false").
	User, Password string
	PlainPassword  bool
	// CallTimeout bounds every SOAP call (default 30 s).
	CallTimeout time.Duration
	// ReadRetries is how often a failed read (find) is retried after a transient error
	// (default 2; writes are never retried). RetryBackoff is the first pause (default 200 ms),
	// doubled after each retry.
	ReadRetries  int
	RetryBackoff time.Duration
	// MaxReplyBytes bounds a reply (default 32 MiB); MaxReplyDepth its nesting (default 64).
	MaxReplyBytes int64
	MaxReplyDepth int
	// HTTPClient is used for the calls (default: a client with its own transport, which
	// checks the SAM's certificate over HTTPS against the system's roots, or CAFile's).
	HTTPClient *http.Client
	// CAFile is a PEM file of the CA certificates that sign the SAM's certificate, checked
	// instead of the system's roots (HTTPS only; not with HTTPClient).
	CAFile string
	// InsecureSkipVerify accepts any certificate from the SAM. For labs only: anyone on the
	// path can then read the SAM credentials; the server logs a warning when it is set.
	InsecureSkipVerify bool
}

// Errors of this package, wrapped together with the adapters sentinels.
var (
	// ErrAuth means SAM refused the credentials.
	ErrAuth = errors.New("sam: authentication failed")
	// ErrBusy means SAM answered that it is busy; nothing was done.
	ErrBusy = errors.New("sam: server busy")
	// ErrBadReply means the reply was not a SAM-O answer (malformed, hostile or too large).
	ErrBadReply = errors.New("sam: bad reply")
)

// Target is a 5620 SAM reached over SAM-O. It implements adapters.Target.
type Target struct {
	opts   Options
	hc     *http.Client
	sem    chan struct{}
	seq    atomic.Uint64
	prefix string
	passwd string // what goes on the wire: MD5 hex, or the plain password
	host   string // the SAM's host:port, for messages
}

var _ adapters.Target = (*Target)(nil)

// New returns a target for the SAM at o.URL. It does not contact the SAM.
func New(o Options) (*Target, error) {
	if o.Name == "" {
		return nil, errors.New("sam: Options.Name is empty")
	}
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sam: %s: bad URL %q", o.Name, o.URL)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/xmlapi/invoke"
	}
	o.URL = u.String()
	if o.CallTimeout <= 0 {
		o.CallTimeout = 30 * time.Second
	}
	if o.ReadRetries == 0 {
		o.ReadRetries = 2
	}
	if o.ReadRetries < 0 {
		o.ReadRetries = 0
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = 200 * time.Millisecond
	}
	if o.MaxReplyBytes <= 0 {
		o.MaxReplyBytes = xmltree.DefaultMaxBytes
	}
	if o.MaxReplyDepth <= 0 {
		o.MaxReplyDepth = xmltree.DefaultMaxDepth
	}
	hc := o.HTTPClient
	if hc != nil && (o.CAFile != "" || o.InsecureSkipVerify) {
		return nil, fmt.Errorf("sam: %s: CAFile and InsecureSkipVerify do not apply with HTTPClient", o.Name)
	}
	if hc == nil {
		tc, err := tlsConfig(o)
		if err != nil {
			return nil, fmt.Errorf("sam: %s: %w", o.Name, err)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tc
		hc = &http.Client{Transport: tr}
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	t := &Target{opts: o, hc: hc, sem: make(chan struct{}, 1), prefix: "xprov-" + hex.EncodeToString(rnd[:]), host: u.Host}
	if o.PlainPassword {
		t.passwd = o.Password
	} else {
		sum := md5.Sum([]byte(o.Password))
		t.passwd = hex.EncodeToString(sum[:])
	}
	return t, nil
}

// tlsConfig is the TLS configuration towards the SAM: certificates checked (against CAFile
// when set), unless InsecureSkipVerify.
func tlsConfig(o Options) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.InsecureSkipVerify}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %s: no PEM certificate in it", o.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// Name returns the SAM's inventory name.
func (t *Target) Name() string { return t.opts.Name }

// Close releases idle connections.
func (t *Target) Close() error {
	t.hc.CloseIdleConnections()
	return nil
}

// header is the SAM-O request header. gowsdl drops the hashed attribute of the password
// (PROTOCOLS.md §6), so it is written by hand.
type header struct {
	XMLName   xml.Name `xml:"xmlapi_1.0 header"`
	User      string   `xml:"security>user"`
	Password  password `xml:"security>password"`
	RequestID string   `xml:"requestID"`
}

type password struct {
	Hashed string `xml:"hashed,attr,omitempty"`
	Value  string `xml:",chardata"`
}

// replyInfo carries what the guarded transport learnt from the raw reply to the caller.
type replyInfo struct {
	fault *samFault
	sent  atomic.Bool // the whole request was written to the SAM (so a write may have taken effect)
}

type replyKey struct{}

// samFault is a SOAP fault as SAM sends it.
type samFault struct {
	Code        string // SOAP:Client or SOAP:Server
	String      string // faultstring
	Type        string // detail/exception/type
	Description string // detail/exception/description
	FDN         string // detail/exception/objectFullName
}

func (f *samFault) message() string {
	if f.Description != "" {
		return f.Description
	}
	if f.String != "" {
		return f.String
	}
	return "SOAP fault " + f.Code
}

// guard is the HTTP client under the generated code: it bounds and vets every reply before
// gowsdl's decoder sees it (size, depth, no DTD) and extracts SOAP faults whatever the HTTP
// status, since gowsdl v0.5.0 only decodes faults sent with HTTP 200.
type guard struct{ t *Target }

func (g guard) Do(req *http.Request) (*http.Response, error) {
	info, _ := req.Context().Value(replyKey{}).(*replyInfo)
	if info != nil {
		// Once the whole request was written, the SAM may act on it; a failed dial or TLS
		// handshake, or a request cut off while being written, cannot have taken effect.
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			WroteRequest: func(w httptrace.WroteRequestInfo) {
				if w.Err == nil {
					info.sent.Store(true)
				}
			},
		}))
	}
	res, err := g.t.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, g.t.opts.MaxReplyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading reply: %w", err)
	}
	f, err := vetReply(body, res.StatusCode, xmltree.Limits{MaxBytes: g.t.opts.MaxReplyBytes, MaxDepth: g.t.opts.MaxReplyDepth})
	if err != nil {
		return nil, err
	}
	if info != nil {
		info.fault = f
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.ContentLength = int64(len(body))
	return res, nil
}

// replyLimits are the default limits of reply parsing.
func replyLimits() xmltree.Limits {
	return xmltree.Limits{MaxBytes: xmltree.DefaultMaxBytes, MaxDepth: xmltree.DefaultMaxDepth}
}

// vetReply checks a raw reply and returns the SOAP fault it holds, if any. It is the
// adapter's SOAP reply parser; gowsdl decodes only what passed it.
func vetReply(body []byte, status int, lim xmltree.Limits) (*samFault, error) {
	env, err := xmltree.ParseBytes(body, lim)
	if err != nil {
		if status >= 400 {
			// Not SOAP at all (a proxy's error page): let the status speak.
			return nil, &soap.HTTPError{StatusCode: status, ResponseBody: truncate(body, 512)}
		}
		return nil, fmt.Errorf("%w: %v", ErrBadReply, err)
	}
	if env.Name.Local != "Envelope" || env.Name.Space != soap.XmlNsSoapEnv {
		if status >= 400 {
			return nil, &soap.HTTPError{StatusCode: status, ResponseBody: truncate(body, 512)}
		}
		return nil, fmt.Errorf("%w: root element is %s, not a SOAP 1.1 Envelope", ErrBadReply, env.Name.Local)
	}
	b := env.Child("Body")
	if b == nil {
		return nil, fmt.Errorf("%w: no SOAP Body", ErrBadReply)
	}
	fe := b.Child("Fault")
	if fe == nil || fe.Name.Space != soap.XmlNsSoapEnv {
		if status >= 400 {
			return nil, &soap.HTTPError{StatusCode: status, ResponseBody: truncate(body, 512)}
		}
		return nil, nil
	}
	f := &samFault{Code: fe.ChildText("faultcode"), String: fe.ChildText("faultstring")}
	if ex := fe.Child("detail").Child("exception"); ex != nil {
		f.Type, f.Description, f.FDN = ex.ChildText("type"), ex.ChildText("description"), ex.ChildText("objectFullName")
	}
	return f, nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return append(append([]byte(nil), b[:n]...), "..."...)
	}
	return b
}

// call runs one SAM-O method through the generated client with a fresh header (unique
// requestID) and the call timeout, and translates failures into *adapters.Error. what names
// the request in messages ("find epipe.Epipe", "configureChildInstance"). Reads are retried
// after transient failures (busy, HTTP 5xx, a refused connection), never after a call that
// timed out: a frozen SAM costs one call timeout, not one per attempt.
func (t *Target) call(ctx context.Context, op, path, what string, write bool, fn func(ctx context.Context, api samo.XmlApi) error) error {
	attempts := 1
	if !write {
		attempts += t.opts.ReadRetries
	}
	backoff := t.opts.RetryBackoff
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			tm := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				tm.Stop()
				return err
			case <-tm.C:
			}
			backoff *= 2
		}
		var retry bool
		err, retry = t.callOnce(ctx, op, path, what, write, fn)
		if err == nil || !retry {
			return err
		}
	}
	return err
}

func (t *Target) callOnce(ctx context.Context, op, path, what string, write bool, fn func(ctx context.Context, api samo.XmlApi) error) (error, bool) {
	info := &replyInfo{}
	cctx, cancel := context.WithTimeout(context.WithValue(ctx, replyKey{}, info), t.opts.CallTimeout)
	defer cancel()
	h := &header{User: t.opts.User, Password: password{Value: t.passwd}, RequestID: fmt.Sprintf("%s:%d", t.prefix, t.seq.Add(1))}
	if t.opts.PlainPassword {
		h.Password.Hashed = "false"
	}
	c := soap.NewClient(t.opts.URL, soap.WithHTTPClient(guard{t}))
	c.AddHeader(h)
	err := fn(cctx, samo.NewXmlApi(c))
	if err == nil {
		return nil, false
	}
	e := &adapters.Error{Target: t.opts.Name, Op: op, Path: path}
	if f := info.fault; f != nil {
		e.Msg = f.message()
		switch f.Type {
		case "AuthenticationException":
			e.Err = fmt.Errorf("%w: %w", adapters.ErrUnreachable, ErrAuth)
			return e, false
		case "ServerBusyException":
			e.Err = fmt.Errorf("%w: %w", adapters.ErrUnreachable, ErrBusy)
			return e, !write
		}
		e.Err = adapters.ErrRejected
		return e, false
	}
	e.Msg = err.Error()
	var he *soap.HTTPError
	switch {
	case errors.Is(err, ErrBadReply):
		e.Msg = strings.TrimPrefix(err.Error(), ErrBadReply.Error()+": ")
		if write {
			e.Err = fmt.Errorf("%w: %w", adapters.ErrPossiblyApplied, ErrBadReply)
		} else {
			e.Err = fmt.Errorf("%w: %w", adapters.ErrUnreachable, ErrBadReply)
		}
		return e, false
	case errors.As(err, &he):
		e.Msg = fmt.Sprintf("HTTP %d: %s", he.StatusCode, strings.TrimSpace(string(he.ResponseBody)))
		notApplied := he.StatusCode == http.StatusServiceUnavailable || he.StatusCode == http.StatusTooManyRequests ||
			(he.StatusCode >= 400 && he.StatusCode < 500)
		if write && !notApplied {
			e.Err = adapters.ErrPossiblyApplied
			return e, false
		}
		e.Err = adapters.ErrUnreachable
		return e, !write
	}
	return t.transportError(ctx, cctx, e, what, write, info.sent.Load(), err)
}

// classified is a failure's classification: its text is the sentinel's alone (the
// adapters.Error's Msg says what happened and the cause); it unwraps to the sentinel and the
// cause.
type classified struct {
	sentinel error
	cause    error
}

func (c *classified) Error() string   { return c.sentinel.Error() }
func (c *classified) Unwrap() []error { return []error{c.sentinel, c.cause} }

// transportError completes e for a call that got no SAM-O answer: what was in flight, what
// happened (no reply within the call timeout, the caller gave up, the SAM could not be
// reached, the connection closed) and whether the SAM may have acted on it. It reports
// whether the call may be retried (a read that failed fast).
func (t *Target) transportError(ctx, cctx context.Context, e *adapters.Error, what string, write, sent bool, err error) (error, bool) {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // without the method and URL
	}
	timedOut := ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded)
	var cv *tls.CertificateVerificationError
	untrusted := errors.As(err, &cv)
	switch {
	case timedOut:
		e.Msg = fmt.Sprintf("no reply to %s within %v (the call timeout); xprov closed the connection", what, t.opts.CallTimeout)
	case ctx.Err() != nil:
		e.Msg = fmt.Sprintf("%s abandoned (%v); xprov closed the connection", what, ctx.Err())
	case !sent:
		e.Msg = fmt.Sprintf("cannot send %s to the SAM at %s (%v)", what, t.host, cause)
		if untrusted {
			e.Msg += "; the SAM's certificate is not trusted: set ca_file to the CA that signed it"
		}
	default:
		e.Msg = fmt.Sprintf("connection to the SAM closed during %s (%v)", what, cause)
	}
	if write && sent {
		e.Msg += "; the SAM may have applied it"
		e.Err = &classified{sentinel: adapters.ErrPossiblyApplied, cause: err}
		return e, false
	}
	if write {
		e.Msg += "; it was not sent, nothing was changed"
	}
	e.Err = &classified{sentinel: adapters.ErrUnreachable, cause: err}
	return e, !write && !timedOut && !untrusted && ctx.Err() == nil
}

// find runs a find and returns the objects of the result. rf, when not nil, says which
// attributes and children to return (nil: all of them).
func (t *Target) find(ctx context.Context, op, path, class string, filter any, rf *resultFilter) ([]*xmltree.Node, error) {
	req := &samo.Find{FullClassName: class}
	if filter != nil {
		b, err := xml.Marshal(filter)
		if err != nil {
			return nil, fmt.Errorf("sam: find %s on %s: %w", class, t.opts.Name, err)
		}
		req.Filter.InnerXML = string(b)
	}
	if rf != nil {
		b, err := rf.content()
		if err != nil {
			return nil, fmt.Errorf("sam: find %s on %s: %w", class, t.opts.Name, err)
		}
		req.ResultFilter.InnerXML = string(b)
	}
	var res *samo.FindResponse
	err := t.call(ctx, op, path, "find "+class, false, func(ctx context.Context, api samo.XmlApi) error {
		var err error
		res, err = api.FindContext(ctx, req)
		return err
	})
	if err != nil {
		return nil, err
	}
	root, err := xmltree.ParseFragment([]byte(res.Result.InnerXML), xmltree.Limits{MaxBytes: t.opts.MaxReplyBytes, MaxDepth: t.opts.MaxReplyDepth})
	if err != nil {
		return nil, &adapters.Error{Target: t.opts.Name, Op: op, Path: path, Msg: err.Error(), Err: fmt.Errorf("%w: %w", adapters.ErrUnreachable, ErrBadReply)}
	}
	return root.Children, nil
}

// Filter elements for find, marshalled by encoding/xml.
type (
	equal struct {
		XMLName xml.Name `xml:"equal"`
		Name    string   `xml:"name,attr"`
		Value   string   `xml:"value,attr"`
	}
	and struct {
		XMLName xml.Name `xml:"and"`
		Items   []any
	}
	resultFilter struct {
		XMLName    xml.Name `xml:"resultFilter"`
		Class      string   `xml:"class,attr,omitempty"`
		Attributes []string `xml:"attribute"`
		Children   *children
	}
	children struct {
		XMLName xml.Name `xml:"children"`
		Filters []resultFilter
	}
)

// content encodes what goes inside find's own <resultFilter> element: the attributes and the
// children's filters, without a resultFilter element of its own (nested resultFilter
// elements belong inside <children> only).
func (rf *resultFilter) content() ([]byte, error) {
	var b bytes.Buffer
	e := xml.NewEncoder(&b)
	for _, a := range rf.Attributes {
		if err := e.EncodeElement(a, xml.StartElement{Name: xml.Name{Local: "attribute"}}); err != nil {
			return nil, err
		}
	}
	if rf.Children != nil {
		if err := e.Encode(rf.Children); err != nil {
			return nil, err
		}
	}
	if err := e.Flush(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ping checks that the SAM answers and accepts the credentials.
func (t *Target) ping(ctx context.Context) error {
	return t.call(ctx, "ping", "", "ping", false, func(ctx context.Context, api samo.XmlApi) error {
		_, err := api.PingContext(ctx, &samo.Ping{})
		return err
	})
}
