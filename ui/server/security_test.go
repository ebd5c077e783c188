package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/client"
	"github.com/xprov/xprov/ui/rest"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key as PEM files and
// returns their paths and the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "xprov test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

// TestTLS: with a certificate and key (from the JSON config) the server speaks HTTPS only;
// a client that trusts the certificate gets answers, one that does not is refused, and plain
// HTTP gets no API answer. Half a TLS configuration or a bad file fails before anything
// listens or a token is printed.
func TestTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	certFile, keyFile, cert := selfSigned(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "xprov.json")
	raw, _ := json.Marshal(map[string]string{"listen": "127.0.0.1:0", "db": filepath.Join(dir, "xprov.db"), "tls_cert": certFile, "tls_key": keyFile})
	if err := os.WriteFile(conf, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(conf)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	in, err := Start(ctx, Options{Config: cfg, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Shutdown(context.Background())
	if !strings.HasPrefix(in.URL, "https://") || !strings.Contains(out.String(), in.URL) {
		t.Fatalf("URL %s, banner %s", in.URL, out.String())
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	c := &client.Client{Base: in.URL, Token: in.Token, HTTP: trusting}
	var me rest.Principal
	if _, err := c.Do(ctx, "GET", "/me", nil, nil, &me); err != nil || me.Role != store.RoleAdmin {
		t.Fatalf("over TLS: %+v, %v", me, err)
	}
	res, err := trusting.Get(in.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.TLS == nil || res.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("readyz over TLS: %d %+v", res.StatusCode, res.TLS)
	}
	if _, err := (&client.Client{Base: in.URL, Token: in.Token}).Types(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a client that does not trust the certificate: %v", err)
	}
	plain := "http://" + strings.TrimPrefix(in.URL, "https://")
	if res, err := http.Get(plain + "/api/v1/me"); err == nil {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || strings.Contains(string(body), "admin") {
			t.Fatalf("plain HTTP to the TLS port: %d %s", res.StatusCode, body)
		}
	}

	tests := []struct {
		name    string
		cert    string
		key     string
		wantErr string
	}{
		{"cert without key", certFile, "", "both"},
		{"key without cert", "", keyFile, "both"},
		{"missing file", certFile + ".nope", keyFile, "no such file"},
		{"key for the cert swapped", keyFile, certFile, "TLS certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Start(ctx, Options{Out: &out, Config: Config{Listen: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "x.db"), TLSCert: tc.cert, TLSKey: tc.key}})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if out.Len() > 0 {
				t.Fatalf("printed before failing: %s", out.String())
			}
		})
	}
}

// TestAdminTokenWhenNoneActive: a restart on a database whose admin tokens all expired mints
// a new admin token (revoked and expired tokens do not count); with an active one it does not.
func TestAdminTokenWhenNoneActive(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	db := filepath.Join(t.TempDir(), "xprov.db")
	st, err := store.OpenSQLite(ctx, db, store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, old, err := st.IssueToken(ctx, store.TokenSpec{Name: "admin", Role: store.RoleAdmin, Expires: time.Now().Add(100 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateToken(ctx, "viewer", store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	st.Close()
	time.Sleep(time.Until(*old.Expires) + 10*time.Millisecond)
	for i, want := range []bool{true, false} {
		in, err := Start(ctx, Options{Config: Config{Listen: "127.0.0.1:0", DB: db}})
		if err != nil {
			t.Fatal(err)
		}
		got := in.Token != ""
		if got == want && got {
			c := &client.Client{Base: in.URL, Token: in.Token}
			var me rest.Principal
			if _, err := c.Do(ctx, "GET", "/me", nil, nil, &me); err != nil || me.Role != store.RoleAdmin {
				t.Errorf("the new admin token: %+v, %v", me, err)
			}
		}
		if err := in.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("start %d: token minted %v, want %v", i, got, want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNoSecretLeaks starts the demo with debug logs, uses the API as an operator would
// (a service created, audited, an op run, a token created and used in the query of the event
// stream, failed authentications), then reads every list and object, /metrics, the OpenAPI
// document and every UI asset, and looks everywhere for every secret the demo knows: the
// simulated devices' password (and the MD5 digest SAM-O sends), the admin token (anywhere but
// the Authorization header that carries it) and the other tokens. None may appear.
func TestNoSecretLeaks(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	in, err := Start(ctx, Options{Demo: true, Logger: log, Config: Config{Listen: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "demo.db")}})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Shutdown(context.Background())
	if len(in.secrets) != 2 || in.secrets[0] == "" {
		t.Fatalf("the demo's secrets: %q", in.secrets)
	}
	admin := &client.Client{Base: in.URL, Token: in.Token}

	// Use it.
	intent := json.RawMessage(`{"customer":"CUST-42","endpoints":[{"device":"pe1","port":"ge-0/0/3","vlan":700},{"device":"sr1","port":"1/1/3","vlan":700}]}`)
	res, err := admin.CreateService(ctx, rest.CreateRequest{Type: "eline", ID: "secret-1", Intent: intent}, client.RunOptions{Wait: true})
	if err != nil || res.Run.State != store.RunSucceeded {
		t.Fatalf("create: %+v, %v", res.Run, err)
	}
	if _, err := admin.AuditService(ctx, "secret-1"); err != nil {
		t.Fatal(err)
	}
	var plan struct{ ID string }
	if _, err := admin.Do(ctx, "POST", "/services?dry_run=true", rest.CreateRequest{Type: "eline", ID: "secret-2",
		Intent: json.RawMessage(strings.ReplaceAll(string(intent), "700", "701"))}, nil, &plan); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if _, err := admin.Do(ctx, "POST", "/devices/pe1/ops", map[string]string{"command": "show configuration"}, nil, nil); err != nil {
		t.Fatalf("op: %v", err)
	}
	op, err := admin.IssueToken(ctx, rest.TokenRequest{Name: "ops", Role: store.RoleOperator, ExpiresIn: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"device and SAM password": in.secrets[0], "SAM password digest": in.secrets[1],
		"admin token": in.Token, "operator token": op.Token}
	// The operator token in the query of the event stream (EventSource cannot send headers).
	evRes, err := http.Get(in.URL + "/api/v1/events?access_token=" + op.Token)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := bufio.NewReader(evRes.Body).ReadString('\n')
	evRes.Body.Close()
	if !strings.HasPrefix(first, "event:") && !strings.HasPrefix(first, ":") && !strings.HasPrefix(first, "id:") && !strings.HasPrefix(first, "retry:") {
		t.Fatalf("event stream: %q", first)
	}
	// Near misses of real tokens, in the header and in the query.
	near := op.Token[:len(op.Token)-1] + "A"
	for _, u := range []string{"/api/v1/me", "/api/v1/events?access_token=" + near} {
		rq, _ := http.NewRequest("GET", in.URL+u, nil)
		rq.Header.Set("Authorization", "Bearer "+near)
		if r, err := http.DefaultClient.Do(rq); err == nil {
			r.Body.Close()
		}
	}

	// Read everything.
	bodies := map[string]string{}
	get := func(path string, auth bool) {
		rq, _ := http.NewRequest("GET", in.URL+path, nil)
		if auth {
			rq.Header.Set("Authorization", "Bearer "+in.Token)
		}
		r, err := http.DefaultClient.Do(rq)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, r.StatusCode, b)
		}
		var hdr strings.Builder
		_ = r.Header.Write(&hdr)
		bodies["GET "+path] = hdr.String() + string(b)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"} {
		get(p, false)
	}
	var runs struct{ Items []store.Run }
	if _, err := admin.Do(ctx, "GET", "/runs?limit=100", nil, nil, &runs); err != nil || len(runs.Items) == 0 {
		t.Fatalf("runs: %v", err)
	}
	for _, p := range []string{"/me", "/types", "/types/eline", "/services", "/services/secret-1", "/services/secret-1/config",
		"/services/secret-1/allocations", "/services/secret-1/runs", "/plans/" + plan.ID, "/runs?limit=100", "/runs/" + runs.Items[0].ID,
		"/devices", "/devices/pe1", "/devices/sr1", "/pools", "/reports/summary", "/audit-log?limit=1000", "/tokens"} {
		get("/api/v1"+p, true)
	}
	// Every UI asset as served.
	assets := 0
	err = fs.WalkDir(os.DirFS("../web/static"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		assets++
		get("/"+strings.TrimPrefix(p, "static/"), false)
		return nil
	})
	if err != nil || assets < 5 {
		t.Fatalf("UI assets: %d, %v", assets, err)
	}
	get("/", false)
	get("/services", false)

	// Look.
	bodies["the log"] = logs.String()
	if !strings.Contains(bodies["the log"], `"path":"/api/v1/events"`) && !strings.Contains(bodies["the log"], "/api/v1/events") {
		t.Fatalf("the request log does not show the event stream request; logs:\n%.2000s", bodies["the log"])
	}
	for where, text := range bodies {
		for what, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows the %s", where, what)
			}
		}
		if strings.Contains(text, near) {
			t.Errorf("%s shows a presented bad token", where)
		}
	}
	t.Logf("checked %d responses and %d bytes of logs for %d secrets", len(bodies)-1, len(bodies["the log"]), len(secrets))
}
