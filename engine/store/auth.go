package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Roles, from most to least privileged.
const (
	RoleAdmin    = "admin"
	RoleDesigner = "designer"
	RoleOperator = "operator"
	RoleViewer   = "viewer"
)

var (
	// ErrUnauthorized means a token is unknown, revoked or expired.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrLastAdmin means a change would leave no active admin token (nobody could manage
	// tokens any more); `xprov token create --db` is the offline way back in.
	ErrLastAdmin = errors.New("the last active admin token")
	// ErrBadToken means a token request is invalid: a bad name or role, or an expiry in the
	// past.
	ErrBadToken = errors.New("invalid token request")
)

// MaxTokenNameLen bounds a token's name in characters (runes). Names appear in every request
// log line, the audit log and the commit comments on devices.
const MaxTokenNameLen = 64

// ValidateTokenName checks a token name: 1 to MaxTokenNameLen printable characters (valid
// UTF-8, no control or format characters), without leading or trailing spaces. The error wraps
// ErrBadToken and says what is wrong without repeating the name.
func ValidateTokenName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: the name is empty", ErrBadToken)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: the name is not valid UTF-8", ErrBadToken)
	case utf8.RuneCountInString(name) > MaxTokenNameLen:
		return fmt.Errorf("%w: the name is longer than %d characters", ErrBadToken, MaxTokenNameLen)
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("%w: the name starts or ends with a space", ErrBadToken)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: the name contains the unprintable character %U", ErrBadToken, r)
		}
	}
	return nil
}

// TokenSpec describes a token to issue.
type TokenSpec struct {
	Name string
	Role string
	// Expires is when the token stops working; zero never.
	Expires time.Time
}

// Token is a bearer token as stored: never its plaintext, only its SHA-256.
type Token struct {
	// ID is a public handle for listing and revoking: "tok_" and the first 12 hex digits of
	// the hash.
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Role     string     `json:"role"`
	Created  time.Time  `json:"created"`
	LastUsed time.Time  `json:"last_used,omitzero"`
	Revoked  *time.Time `json:"revoked,omitempty"`
	// Expires is when the token stops working; nil never.
	Expires *time.Time `json:"expires,omitempty"`
}

// Token states, as Token.State reports them.
const (
	TokenActive  = "active"
	TokenExpired = "expired"
	TokenRevoked = "revoked"
)

// State is TokenRevoked, TokenExpired or TokenActive at now.
func (t Token) State(now time.Time) string {
	switch {
	case t.Revoked != nil:
		return TokenRevoked
	case t.Expires != nil && !now.Before(*t.Expires):
		return TokenExpired
	}
	return TokenActive
}

// AuditEntry is one line of the audit log: who did what to which object.
type AuditEntry struct {
	Seq    int64           `json:"seq"`
	User   string          `json:"user"`
	Role   string          `json:"role,omitempty"`
	Action string          `json:"action"`
	Object string          `json:"object,omitempty"`
	Detail json.RawMessage `json:"detail,omitempty"`
	At     time.Time       `json:"at"`
}

// AuditFilter selects audit entries, newest first. Empty fields do not filter; filtering by
// both user and object walks the user's entries.
type AuditFilter struct {
	User   string
	Object string
	// After is the cursor returned by the previous page.
	After string
	// Limit defaults to 50, at most 1000.
	Limit int
}

// Auth is what the REST layer needs for bearer tokens and the audit log.
type Auth interface {
	// CreateToken is IssueToken of a token that does not expire, returning only the
	// plaintext; TokenByHash(HashToken(plaintext)) gives its record.
	CreateToken(ctx context.Context, name, role string) (plaintext string, err error)
	// IssueToken makes a token and returns its plaintext, the only time it is available, and
	// its record. The name must pass ValidateTokenName and the role be one of the four, and
	// an expiry be in the future (ErrBadToken otherwise); an active token (neither revoked
	// nor expired) with the same name is ErrExists.
	IssueToken(ctx context.Context, spec TokenSpec) (plaintext string, tok Token, err error)
	// Authenticate returns the active token whose plaintext this is, or ErrUnauthorized
	// (unknown, revoked, expired). It does not need to write: a failure to record last_used
	// does not fail it.
	Authenticate(ctx context.Context, plaintext string) (Token, error)
	// TokenByHash returns the token with this SHA-256 (revoked ones too), or ErrNotFound.
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	// ListTokens returns every token, revoked ones included, ordered by name then id.
	ListTokens(ctx context.Context) ([]Token, error)
	// RevokeToken revokes a token by id; ErrNotFound when unknown. Revoking twice is a no-op.
	// Revoking the last active admin token is ErrLastAdmin.
	RevokeToken(ctx context.Context, id string) error

	// AppendAudit appends an entry and returns its seq; a zero At is now.
	AppendAudit(ctx context.Context, e AuditEntry) (int64, error)
	// ListAudit returns a page of entries newest first and the cursor of the next page.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, string, error)
}

// HashToken is the SHA-256 under which a token's plaintext is stored.
func HashToken(plaintext string) []byte {
	h := sha256.Sum256([]byte(plaintext))
	return h[:]
}

// validRole reports whether role is one of the four roles.
func validRole(role string) bool {
	switch role {
	case RoleAdmin, RoleDesigner, RoleOperator, RoleViewer:
		return true
	}
	return false
}

const (
	qInsertToken   = `INSERT INTO tokens (id, hash, name, role, created, expires) VALUES (?, ?, ?, ?, ?, ?)`
	qTokenCols     = `id, name, role, created, last_used, revoked, expires`
	qActiveByName  = `SELECT COUNT(*) FROM tokens WHERE name = ? AND revoked = 0 AND (expires = 0 OR expires > ?)`
	qTokenByID     = `SELECT ` + qTokenCols + ` FROM tokens WHERE id = ?`
	qOtherAdmins   = `SELECT COUNT(*) FROM tokens WHERE role = 'admin' AND revoked = 0 AND (expires = 0 OR expires > ?) AND id <> ?`
	qTokenByHash   = `SELECT ` + qTokenCols + ` FROM tokens WHERE hash = ?`
	qListTokens    = `SELECT ` + qTokenCols + ` FROM tokens ORDER BY name, id`
	qRevokeToken   = `UPDATE tokens SET revoked = CASE WHEN revoked = 0 THEN ? ELSE revoked END WHERE id = ?`
	qTouchToken    = `UPDATE tokens SET last_used = ? WHERE id = ?`
	qInsertAudit   = `INSERT INTO audit (user, role, action, object, detail, at) VALUES (?, ?, ?, ?, ?, ?)`
	qAuditCols     = `seq, user, role, action, object, detail, at`
	qAuditAll      = `SELECT ` + qAuditCols + ` FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT ?`
	qAuditByUser   = `SELECT ` + qAuditCols + ` FROM audit WHERE user = ? AND seq < ? ORDER BY seq DESC LIMIT ?`
	qAuditByObject = `SELECT ` + qAuditCols + ` FROM audit WHERE object = ? AND seq < ? ORDER BY seq DESC LIMIT ?`
	qAuditByBoth   = `SELECT ` + qAuditCols + ` FROM audit WHERE user = ? AND object = ? AND seq < ? ORDER BY seq DESC LIMIT ?`
)

// tokenTouchEvery bounds how often Authenticate writes last_used for one token, so that
// reads do not each cost a write transaction.
const tokenTouchEvery = time.Minute

// CreateToken makes a token that does not expire (see IssueToken).
func (s *SQLite) CreateToken(ctx context.Context, name, role string) (string, error) {
	plain, _, err := s.IssueToken(ctx, TokenSpec{Name: name, Role: role})
	return plain, err
}

// IssueToken makes a token from 32 random bytes (base64url, prefixed "xp_"). The check that no
// active token has the name and the insert are one write transaction.
func (s *SQLite) IssueToken(ctx context.Context, spec TokenSpec) (string, Token, error) {
	if err := ValidateTokenName(spec.Name); err != nil {
		return "", Token{}, fmt.Errorf("store: create token: %w", err)
	}
	if !validRole(spec.Role) {
		return "", Token{}, fmt.Errorf("store: create token: %w: unknown role %q (want admin, designer, operator or viewer)", ErrBadToken, spec.Role)
	}
	now := time.Now().UTC()
	tok := Token{Name: spec.Name, Role: spec.Role, Created: time.Unix(0, now.UnixNano()).UTC()}
	if !spec.Expires.IsZero() {
		if !spec.Expires.After(now) {
			return "", Token{}, fmt.Errorf("store: create token: %w: the expiry is in the past", ErrBadToken)
		}
		e := fromNano(unixNano(spec.Expires))
		tok.Expires = &e
	}
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", Token{}, fmt.Errorf("store: create token: %w", err)
	}
	plain := "xp_" + base64.RawURLEncoding.EncodeToString(secret[:])
	hash := HashToken(plain)
	tok.ID = TokenID(hash)
	err := s.write(ctx, func(tx *wtx) error {
		var n int
		if err := tx.QueryRowContext(ctx, qActiveByName, spec.Name, unixNano(now)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("an active token is named so: %w", ErrExists)
		}
		_, err := tx.ExecContext(ctx, qInsertToken, tok.ID, hash, tok.Name, tok.Role, unixNano(now), unixNano(spec.Expires))
		return err
	})
	if err != nil {
		return "", Token{}, fmt.Errorf("store: create token: %w", err)
	}
	return plain, tok, nil
}

// TokenID is the public id of the token with this hash.
func TokenID(hash []byte) string {
	return "tok_" + hex.EncodeToString(hash[:min(6, len(hash))])
}

func scanToken(sc scanner) (Token, error) {
	var t Token
	var created, lastUsed, revoked, expires int64
	if err := sc.Scan(&t.ID, &t.Name, &t.Role, &created, &lastUsed, &revoked, &expires); err != nil {
		return Token{}, err
	}
	t.Created, t.LastUsed = fromNano(created), fromNano(lastUsed)
	if revoked != 0 {
		r := fromNano(revoked)
		t.Revoked = &r
	}
	if expires != 0 {
		e := fromNano(expires)
		t.Expires = &e
	}
	return t, nil
}

// TokenByHash returns the token stored under hash.
func (s *SQLite) TokenByHash(ctx context.Context, hash []byte) (Token, error) {
	t, err := scanToken(s.read().QueryRowContext(ctx, qTokenByHash, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, fmt.Errorf("store: token by hash: %w", ErrNotFound)
	}
	if err != nil {
		return Token{}, fmt.Errorf("store: token by hash: %w", err)
	}
	return t, nil
}

// Authenticate checks a plaintext token with reads only. It records last_used at most once a
// minute per token, best effort: a store that cannot write (a full disk) still authenticates,
// so reads keep working; the write is retried at the next use.
func (s *SQLite) Authenticate(ctx context.Context, plaintext string) (Token, error) {
	t, err := s.TokenByHash(ctx, HashToken(plaintext))
	if errors.Is(err, ErrNotFound) {
		return Token{}, fmt.Errorf("store: authenticate: %w", ErrUnauthorized)
	}
	if err != nil {
		return Token{}, fmt.Errorf("store: authenticate: %w", err)
	}
	now := time.Now().UTC()
	if st := t.State(now); st != TokenActive {
		return Token{}, fmt.Errorf("store: authenticate %s: %s: %w", t.ID, st, ErrUnauthorized)
	}
	if now.Sub(t.LastUsed) >= tokenTouchEvery && now.Sub(time.Unix(0, s.touchFailed.Load())) >= tokenTouchEvery {
		err := s.write(ctx, func(tx *wtx) error {
			_, err := tx.ExecContext(ctx, qTouchToken, unixNano(now), t.ID)
			return err
		})
		if err != nil {
			s.touchFailed.Store(now.UnixNano())
		} else {
			t.LastUsed = now
		}
	}
	return t, nil
}

// ListTokens returns every token.
func (s *SQLite) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := s.read().QueryContext(ctx, qListTokens)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	out, err := collect(rows, scanToken)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes a token; it keeps the first revocation time. It refuses to revoke the
// last active admin token (ErrLastAdmin), checked in the same write transaction.
func (s *SQLite) RevokeToken(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *wtx) error {
		now := time.Now().UTC()
		t, err := scanToken(tx.QueryRowContext(ctx, qTokenByID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if t.Role == RoleAdmin && t.State(now) == TokenActive {
			var others int
			if err := tx.QueryRowContext(ctx, qOtherAdmins, unixNano(now), id).Scan(&others); err != nil {
				return err
			}
			if others == 0 {
				return ErrLastAdmin
			}
		}
		_, err = tx.ExecContext(ctx, qRevokeToken, unixNano(now), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: revoke token %s: %w", id, err)
	}
	return nil
}

// AppendAudit appends an audit entry.
func (s *SQLite) AppendAudit(ctx context.Context, e AuditEntry) (int64, error) {
	if e.Action == "" {
		return 0, errors.New("store: append audit: empty action")
	}
	var seq int64
	err := s.write(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, qInsertAudit, e.User, e.Role, e.Action, e.Object, jsonText(e.Detail), unixNano(nowOr(e.At)))
		if err != nil {
			return err
		}
		seq, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: append audit %s %s: %w", e.Action, e.Object, err)
	}
	return seq, nil
}

// ListAudit returns a page of the audit log, newest first.
func (s *SQLite) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, string, error) {
	n := limit(f.Limit, DefaultPageSize, MaxPageSize)
	before := int64(math.MaxInt64)
	if f.After != "" {
		k, _, err := decodeCursor(f.After)
		if err != nil {
			return nil, "", fmt.Errorf("store: list audit: %w", err)
		}
		before = k
	}
	var rows *sql.Rows
	var err error
	switch {
	case f.User != "" && f.Object != "":
		rows, err = s.read().QueryContext(ctx, qAuditByBoth, f.User, f.Object, before, n+1)
	case f.User != "":
		rows, err = s.read().QueryContext(ctx, qAuditByUser, f.User, before, n+1)
	case f.Object != "":
		rows, err = s.read().QueryContext(ctx, qAuditByObject, f.Object, before, n+1)
	default:
		rows, err = s.read().QueryContext(ctx, qAuditAll, before, n+1)
	}
	if err != nil {
		return nil, "", fmt.Errorf("store: list audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var detail sql.NullString
		var at int64
		if err := rows.Scan(&e.Seq, &e.User, &e.Role, &e.Action, &e.Object, &detail, &at); err != nil {
			return nil, "", fmt.Errorf("store: list audit: %w", err)
		}
		e.Detail, e.At = rawJSON(detail), fromNano(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: list audit: %w", err)
	}
	var next string
	if len(out) > n {
		out = out[:n]
		next = encodeCursor(out[n-1].Seq, "")
	}
	return out, next, nil
}
