package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xprov/xprov/engine/store"
)

// ExerciseAuth runs the Auth contract against fresh stores made by open.
func ExerciseAuth(t *testing.T, open func(t *testing.T) store.Auth) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, a store.Auth)
	}{
		{"Tokens", testTokens},
		{"TokenNames", testTokenNames},
		{"TokenExpiry", testTokenExpiry},
		{"LastAdmin", testLastAdmin},
		{"Audit", testAudit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

func testTokens(t *testing.T, a store.Auth) {
	for _, role := range []string{"", "root"} {
		if _, err := a.CreateToken(ctx, "x", role); err == nil {
			t.Fatalf("role %q accepted", role)
		}
	}
	plain, err := a.CreateToken(ctx, "alice", store.RoleOperator)
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.CreateToken(ctx, "bob", store.RoleViewer)
	if err != nil || other == plain || len(plain) < 40 {
		t.Fatalf("tokens %q %q, %v", plain, other, err)
	}
	tok, err := a.Authenticate(ctx, plain)
	if err != nil || tok.Name != "alice" || tok.Role != store.RoleOperator || tok.Revoked != nil || tok.LastUsed.IsZero() || tok.ID == "" {
		t.Fatalf("Authenticate = %+v, %v", tok, err)
	}
	byHash, err := a.TokenByHash(ctx, store.HashToken(plain))
	if err != nil || byHash.ID != tok.ID {
		t.Fatalf("TokenByHash = %+v, %v", byHash, err)
	}
	for _, bad := range []string{"", "xp_nope", plain + "x"} {
		if _, err := a.Authenticate(ctx, bad); !errors.Is(err, store.ErrUnauthorized) {
			t.Fatalf("Authenticate(%q) = %v", bad, err)
		}
	}
	list, err := a.ListTokens(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "alice" || list[1].Name != "bob" {
		t.Fatalf("ListTokens = %+v, %v", list, err)
	}
	for _, tk := range list {
		if b, _ := json.Marshal(tk); json.Valid(b) && containsStr(string(b), plain) {
			t.Fatal("a listed token shows its plaintext")
		}
	}
	if err := a.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatalf("second revoke: %v", err)
	}
	mustErr(t, a.RevokeToken(ctx, "tok_unknown"), store.ErrNotFound)
	_, err = a.Authenticate(ctx, plain)
	mustErr(t, err, store.ErrUnauthorized)
	if got, _ := a.TokenByHash(ctx, store.HashToken(plain)); got.Revoked == nil {
		t.Fatal("revoked token shows no revocation")
	}
	if _, err := a.Authenticate(ctx, other); err != nil {
		t.Fatalf("revoking one token affected another: %v", err)
	}
}

// testTokenNames: names are validated (printable, bounded) and unique among active tokens; a
// revoked token's name can be used again.
func testTokenNames(t *testing.T, a store.Auth) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"alice", true},
		{"ci bot (prod) – émile", true},
		{strings.Repeat("x", store.MaxTokenNameLen), true},
		{strings.Repeat("é", store.MaxTokenNameLen), true},
		{"", false},
		{strings.Repeat("x", store.MaxTokenNameLen+1), false},
		{strings.Repeat("x", 900_000), false},
		{"new\nline", false},
		{"nul\x00", false},
		{"tab\tbed", false},
		{"esc\x1b[31m", false},
		{"bidi\u202eoverride", false},
		{" padded", false},
		{"padded ", false},
		{"bad\xffutf8", false},
	}
	for i, tc := range tests {
		_, tok, err := a.IssueToken(ctx, store.TokenSpec{Name: tc.name, Role: store.RoleViewer})
		switch {
		case tc.ok && err != nil:
			t.Errorf("%d: name %.40q refused: %v", i, tc.name, err)
		case tc.ok && tok.Name != tc.name:
			t.Errorf("%d: name %.40q stored as %.40q", i, tc.name, tok.Name)
		case !tc.ok && !errors.Is(err, store.ErrBadToken):
			t.Errorf("%d: name %.40q: %v, want ErrBadToken", i, tc.name, err)
		case !tc.ok && err != nil && strings.Contains(err.Error(), tc.name) && tc.name != "":
			t.Errorf("%d: the error repeats the bad name: %v", i, err)
		}
		if err := store.ValidateTokenName(tc.name); (err == nil) != tc.ok {
			t.Errorf("%d: ValidateTokenName(%.40q) = %v", i, tc.name, err)
		}
	}
	// Unique among active tokens.
	_, first, err := a.IssueToken(ctx, store.TokenSpec{Name: "dup", Role: store.RoleOperator})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.IssueToken(ctx, store.TokenSpec{Name: "dup", Role: store.RoleViewer}); !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate active name: %v, want ErrExists", err)
	}
	if _, err := a.CreateToken(ctx, "dup", store.RoleViewer); !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate active name (CreateToken): %v, want ErrExists", err)
	}
	if err := a.RevokeToken(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	plain, second, err := a.IssueToken(ctx, store.TokenSpec{Name: "dup", Role: store.RoleViewer})
	if err != nil {
		t.Fatalf("the name of a revoked token: %v", err)
	}
	if second.ID == first.ID {
		t.Fatal("a new token has the id of the revoked one")
	}
	if got, err := a.Authenticate(ctx, plain); err != nil || got.ID != second.ID {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
}

// testTokenExpiry: a token with an expiry works until it, then is refused and listed as
// expired; an expiry in the past is refused; an expired token's name is free again.
func testTokenExpiry(t *testing.T, a store.Auth) {
	if _, _, err := a.IssueToken(ctx, store.TokenSpec{Name: "past", Role: store.RoleViewer, Expires: time.Now().Add(-time.Second)}); !errors.Is(err, store.ErrBadToken) {
		t.Fatalf("expiry in the past: %v, want ErrBadToken", err)
	}
	long := time.Now().Add(720 * time.Hour)
	plainLong, tokLong, err := a.IssueToken(ctx, store.TokenSpec{Name: "long", Role: store.RoleViewer, Expires: long})
	if err != nil || tokLong.Expires == nil || !tokLong.Expires.Equal(long.Truncate(0)) {
		t.Fatalf("IssueToken = %+v, %v", tokLong, err)
	}
	plain, tok, err := a.IssueToken(ctx, store.TokenSpec{Name: "short", Role: store.RoleViewer, Expires: time.Now().Add(300 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, plain); err != nil {
		t.Fatalf("before its expiry: %v", err)
	}
	time.Sleep(time.Until(*tok.Expires) + 10*time.Millisecond)
	if _, err := a.Authenticate(ctx, plain); !errors.Is(err, store.ErrUnauthorized) {
		t.Fatalf("after its expiry: %v, want ErrUnauthorized", err)
	}
	if _, err := a.Authenticate(ctx, plainLong); err != nil {
		t.Fatalf("a token expiring later: %v", err)
	}
	list, err := a.ListTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, tk := range list {
		states[tk.Name] = tk.State(time.Now())
		if tk.Name == "long" && (tk.Expires == nil || !tk.Expires.Equal(*tokLong.Expires)) {
			t.Fatalf("listed expiry %v, want %v", tk.Expires, tokLong.Expires)
		}
	}
	if states["short"] != store.TokenExpired || states["long"] != store.TokenActive || len(states) != 2 {
		t.Fatalf("states %v", states)
	}
	if _, err := a.CreateToken(ctx, "short", store.RoleViewer); err != nil {
		t.Fatalf("the name of an expired token: %v", err)
	}
}

// testLastAdmin: the last active admin token cannot be revoked; with another active admin
// it can; expired admins do not count.
func testLastAdmin(t *testing.T, a store.Auth) {
	_, one, err := a.IssueToken(ctx, store.TokenSpec{Name: "admin-1", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	_, short, err := a.IssueToken(ctx, store.TokenSpec{Name: "admin-short", Role: store.RoleAdmin, Expires: time.Now().Add(200 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	_, viewer, err := a.IssueToken(ctx, store.TokenSpec{Name: "viewer", Role: store.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(*short.Expires) + 10*time.Millisecond)
	mustErr(t, a.RevokeToken(ctx, one.ID), store.ErrLastAdmin)
	if err := a.RevokeToken(ctx, short.ID); err != nil {
		t.Fatalf("revoke an expired admin: %v", err)
	}
	if err := a.RevokeToken(ctx, viewer.ID); err != nil {
		t.Fatalf("revoke a viewer: %v", err)
	}
	_, two, err := a.IssueToken(ctx, store.TokenSpec{Name: "admin-2", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeToken(ctx, one.ID); err != nil {
		t.Fatalf("revoke one of two admins: %v", err)
	}
	mustErr(t, a.RevokeToken(ctx, two.ID), store.ErrLastAdmin)
	if err := a.RevokeToken(ctx, one.ID); err != nil {
		t.Fatalf("revoke a revoked admin again: %v", err)
	}
	if got, _ := a.TokenByHash(ctx, nil); got.ID != "" {
		t.Fatalf("TokenByHash(nil) = %+v", got)
	}
}

func containsStr(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func testAudit(t *testing.T, a store.Auth) {
	if _, err := a.AppendAudit(ctx, store.AuditEntry{User: "x"}); err == nil {
		t.Fatal("entry without action accepted")
	}
	users := []string{"alice", "bob", "carol"}
	for i := range 30 {
		_, err := a.AppendAudit(ctx, store.AuditEntry{User: users[i%3], Role: store.RoleOperator, Action: "service.modify",
			Object: fmt.Sprintf("service/s%d", i%5), Detail: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))})
		if err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		f    store.AuditFilter
		want int
	}{
		{"all", store.AuditFilter{Limit: 7}, 30},
		{"user", store.AuditFilter{User: "bob", Limit: 3}, 10},
		{"object", store.AuditFilter{Object: "service/s1", Limit: 4}, 6},
		{"user and object", store.AuditFilter{User: "alice", Object: "service/s0", Limit: 1}, 2},
		{"nobody", store.AuditFilter{User: "mallory"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			var all []store.AuditEntry
			for {
				page, next, err := a.ListAudit(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, page...)
				if next == "" {
					break
				}
				f.After = next
			}
			if len(all) != tt.want {
				t.Fatalf("%d entries, want %d", len(all), tt.want)
			}
			for i, e := range all {
				if i > 0 && e.Seq >= all[i-1].Seq {
					t.Fatalf("not newest first at %d", i)
				}
				if tt.f.User != "" && e.User != tt.f.User || tt.f.Object != "" && e.Object != tt.f.Object {
					t.Fatalf("entry %+v does not match %+v", e, tt.f)
				}
				if e.At.IsZero() || len(e.Detail) == 0 || e.Role != store.RoleOperator {
					t.Fatalf("entry incomplete: %+v", e)
				}
			}
		})
	}
}
