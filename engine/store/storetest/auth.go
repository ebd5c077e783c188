package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

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
