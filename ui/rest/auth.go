package rest

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/xprov/xprov/engine/store"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	TokenID string `json:"token_id"`
	Name    string `json:"name"`
	Role    string `json:"role"`
}

type principalKey struct{}

// pkey is the one context key of the principal (an unexported pointer, as chi does).
var pkey = &principalKey{}

func withPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, pkey, p)
}

func principalOf(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(pkey).(Principal)
	return p, ok
}

// roleRank orders the roles; each includes the rights of those below it.
var roleRank = map[string]int{
	store.RoleViewer:   1,
	store.RoleOperator: 2,
	store.RoleDesigner: 3,
	store.RoleAdmin:    4,
}

// Authenticate is middleware that resolves `Authorization: Bearer <token>` through auth and
// puts the caller in the request context. A missing, unknown, revoked or expired token is a
// 401. When queryToken reports true for a request, the token may come as the query parameter
// access_token instead (browsers' EventSource cannot send headers); request logs never include
// query strings, so it does not reach the log.
//
// Without an Authorization header the token may come from the session cookie (SessionCookie,
// set by POST /session: HttpOnly, SameSite=Strict). A request so authenticated that is not a
// GET or HEAD must carry the CSRFHeader (which a cross-site form cannot send), or it is a 403;
// a refused session cookie is cleared with the 401.
//
// failures limits failed authentications per client address (nil: none): every refused token
// takes one from the address's bucket, and while it is empty the address gets 429 with
// Retry-After without its token being checked, so guessing costs time and the store nothing.
func Authenticate(auth store.Auth, queryToken func(*http.Request) bool, failures *RateLimiter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			addr := "addr:" + clientAddr(r)
			if ok, wait := failures.Peek(addr); !ok {
				writeRateLimited(w, r, wait, "too many failed authentications from this address; retry later")
				return
			}
			h := r.Header.Get("Authorization")
			if h == "" && queryToken != nil && queryToken(r) {
				if t := r.URL.Query().Get("access_token"); t != "" {
					h = "Bearer " + t
				}
			}
			fromCookie := false
			if h == "" {
				if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
					h, fromCookie = "Bearer "+c.Value, true
				}
			}
			scheme, tok, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="xprov"`)
				writeProblem(w, r, Problem{Type: ProblemTypeBase + "unauthorized", Title: http.StatusText(http.StatusUnauthorized),
					Status: http.StatusUnauthorized, Detail: "a bearer token is required"})
				return
			}
			t, err := auth.Authenticate(r.Context(), strings.TrimSpace(tok))
			if err != nil {
				status, detail := http.StatusUnauthorized, "unknown, revoked or expired token"
				if !errors.Is(err, store.ErrUnauthorized) {
					status, detail = http.StatusInternalServerError, "cannot check the token"
				} else if ok, wait := failures.Allow(addr); !ok {
					writeRateLimited(w, r, wait, "too many failed authentications from this address; retry later")
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="xprov", error="invalid_token"`)
				if fromCookie && status == http.StatusUnauthorized {
					http.SetCookie(w, sessionCookie(r, "", -1))
				}
				writeProblem(w, r, Problem{Type: ProblemTypeBase + "unauthorized", Title: http.StatusText(status), Status: status, Detail: detail})
				return
			}
			if fromCookie && r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get(CSRFHeader) == "" {
				writeProblem(w, r, Problem{Type: ProblemTypeBase + "forbidden", Title: http.StatusText(http.StatusForbidden), Status: http.StatusForbidden,
					Detail: "a change authenticated by the session cookie needs the " + CSRFHeader + " header"})
				return
			}
			p := Principal{TokenID: t.ID, Name: t.Name, Role: t.Role}
			if info, ok := requestInfoFrom(r.Context()); ok {
				info.user = p.Name
			}
			next.ServeHTTP(w, r.WithContext(withPrincipal(r.Context(), p)))
		})
	}
}

// RequireRole is middleware that lets through callers whose role is at least min; others get
// a 403. It must run after Authenticate.
func RequireRole(min string) func(http.Handler) http.Handler {
	need, ok := roleRank[min]
	if !ok {
		panic("rest: RequireRole: unknown role " + min)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := principalOf(r.Context())
			if !ok || roleRank[p.Role] < need {
				writeProblem(w, r, Problem{Type: ProblemTypeBase + "forbidden", Title: http.StatusText(http.StatusForbidden),
					Status: http.StatusForbidden, Detail: "this needs the " + min + " role"})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
