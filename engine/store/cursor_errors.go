package store

import "errors"

// ErrBadCursor means a page cursor (ServiceFilter.After, ListRuns' after, AuditFilter.After)
// is not one the store issued: the caller's input is wrong, not the store.
var ErrBadCursor = errors.New("bad cursor")
