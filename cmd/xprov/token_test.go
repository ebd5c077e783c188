package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest"
	"github.com/xprov/xprov/ui/rest/resttest"
)

// TestCLITokens: token create --expires, the state and expiry in token list, a duplicate name
// (exit 4), a bad name (exit 3), and revoking the last admin token (exit 4).
func TestCLITokens(t *testing.T) {
	env := resttest.New(t, resttest.Options{})
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"create with expiry", []string{"token", "create", "ci", "--role", "operator", "--expires", "720h"}, 0, []string{"xp_", "expires", time.Now().Add(720 * time.Hour).Format("2006-01-02")}},
		{"create with --name", []string{"token", "create", "--name", "nightly", "--role", "viewer"}, 0, []string{"nightly", "never"}},
		{"duplicate name", []string{"token", "create", "ci", "--role", "viewer"}, 4, []string{"409", `"ci"`}},
		{"bad name", []string{"token", "create", "bad\tname", "--role", "viewer"}, 3, []string{"/name"}},
		{"no name", []string{"token", "create", "--role", "viewer"}, 2, []string{"name is required"}},
		{"negative expiry", []string{"token", "create", "x", "--expires", "-1h"}, 2, []string{"positive"}},
		{"list", []string{"token", "list"}, 0, []string{"STATE", "EXPIRES", "ci", "active", "never", time.Now().Add(720 * time.Hour).Format("2006-01-02")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runCLI(t, env, "admin", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; output:\n%s", code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	var listed struct{ Items []rest.TokenInfo }
	if err := json.Unmarshal([]byte(mustCLI(t, env, "admin", "token", "list", "-o", "json")), &listed); err != nil {
		t.Fatal(err)
	}
	var admin string
	for _, tk := range listed.Items {
		if tk.State != store.TokenActive {
			t.Errorf("token %s is %s", tk.Name, tk.State)
		}
		if tk.Name == "ci" && (tk.Expires == nil || time.Until(*tk.Expires) < 719*time.Hour) {
			t.Errorf("ci expires %v", tk.Expires)
		}
		if tk.Role == store.RoleAdmin {
			admin = tk.ID
		}
	}
	out, code := runCLI(t, env, "admin", "token", "revoke", admin)
	if code != exitConflict || !strings.Contains(out, "last active admin") {
		t.Fatalf("revoke the last admin: exit %d: %s", code, out)
	}
}

func mustCLI(t *testing.T, env *resttest.Env, role string, args ...string) string {
	t.Helper()
	out, code := runCLI(t, env, role, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, out)
	}
	return out
}

// runOffline runs a command without --server or --token.
func runOffline(t *testing.T, args ...string) (string, int) {
	t.Helper()
	return runCLI(t, nil, "", args...)
}

// TestCLITokenOffline: with the only admin token revoked (as before the last-admin check) and
// the server stopped, `token create --db FILE --role admin` writes a working admin token into
// the file; a missing file is not created; names are still validated and unique.
func TestCLITokenOffline(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "xprov.db")
	st, err := store.OpenSQLite(ctx, db, store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old, oldTok, err := st.IssueToken(ctx, store.TokenSpec{Name: "admin", Role: store.RoleAdmin, Expires: time.Now().Add(100 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(*oldTok.Expires) + 10*time.Millisecond)
	if _, err := st.Authenticate(ctx, old); !errors.Is(err, store.ErrUnauthorized) {
		t.Fatalf("the expired admin still works: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	out, code := runOffline(t, "token", "create", "--db", db, "--role", "admin", "--name", "rescue", "-o", "json")
	if code != 0 {
		t.Fatalf("offline create: exit %d: %s", code, out)
	}
	var created rest.TokenCreated
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.Token == "" || created.Role != "admin" || created.Name != "rescue" {
		t.Fatalf("offline create: %q, %v", out, err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"same name", []string{"token", "create", "--db", db, "--role", "admin", "--name", "rescue"}, exitConflict, "--name"},
		{"bad name", []string{"token", "create", "--db", db, "--role", "admin", "--name", "a\nb"}, exitValidation, "unprintable"},
		{"bad role", []string{"token", "create", "--db", db, "--role", "root"}, exitValidation, "role"},
		{"missing file", []string{"token", "create", "--db", db + ".typo", "--role", "admin"}, exitUsage, "no such file"},
		{"default name, expiry", []string{"token", "create", "--db", db, "--role", "viewer", "--expires", "1h"}, 0, "recovery-"},
	}
	for _, tc := range tests {
		out, code := runOffline(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d, want %d with %q: %s", tc.name, code, tc.code, tc.want, out)
		}
	}
	if m, _ := filepath.Glob(db + ".typo*"); len(m) > 0 {
		t.Fatalf("a mistyped --db created %v", m)
	}

	st, err = store.OpenSQLite(ctx, db, store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tok, err := st.Authenticate(ctx, created.Token)
	if err != nil || tok.Role != store.RoleAdmin || tok.ID != created.ID {
		t.Fatalf("the recovery token: %+v, %v", tok, err)
	}
	entries, _, err := st.ListAudit(ctx, store.AuditFilter{Object: "tokens/" + created.ID})
	if err != nil || len(entries) != 1 || !strings.HasPrefix(entries[0].User, "offline:") {
		t.Fatalf("audit of the offline token: %+v, %v", entries, err)
	}
}

// TestServeTLSFlags: --tls-cert without --tls-key (or a file that is not there) fails before
// the server listens, with a message naming the flags.
func TestServeTLSFlags(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"cert without key", []string{"--tls-cert", filepath.Join(dir, "cert.pem")}, "--tls-key"},
		{"missing files", []string{"--tls-cert", filepath.Join(dir, "cert.pem"), "--tls-key", filepath.Join(dir, "key.pem")}, "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := serveCmd()
			var out bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			cmd.SetArgs(append([]string{"--db", filepath.Join(dir, "x.db"), "--listen", "127.0.0.1:0"}, tc.args...))
			err := cmd.ExecuteContext(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(out.String(), "serving") {
				t.Fatalf("it served: %s", out.String())
			}
		})
	}
}
