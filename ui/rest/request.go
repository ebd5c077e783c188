package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/xprov/xprov/engine/store"
)

// readBody reads the whole request body within the body limit.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, &problemError{p: tooLarge(mbe.Limit), err: err}
	}
	if err != nil {
		return nil, badRequest("cannot read the request body: %v", err)
	}
	return b, nil
}

// decodeJSON decodes a JSON object body into v. Unknown members are refused, so that a typo
// in a field name is a 400 and not a silently ignored option. An empty body is an error unless
// optional.
func decodeJSON(body []byte, v any, optional bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return badRequest("a JSON request body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("malformed JSON body: %v", err)
	}
	if dec.More() {
		return badRequest("malformed JSON body: trailing data after the object")
	}
	return nil
}

// decodeBody reads and decodes a JSON body.
func decodeBody(r *http.Request, v any, optional bool) ([]byte, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	return b, decodeJSON(b, v, optional)
}

// boolParam reads a boolean query parameter ("true"/"false"/"1"/"0"; absent is false).
func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("query parameter %s: want true or false, got %q", name, v)
	}
	return b, nil
}

// page reads the cursor and limit query parameters.
func page(r *http.Request) (cursor string, limit int, err error) {
	q := r.URL.Query()
	// The store refuses a cursor it did not issue with store.ErrBadCursor (a 400).
	cursor = q.Get("cursor")
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxPageSize {
			return "", 0, badRequest("query parameter limit: want an integer from 1 to %d, got %q", store.MaxPageSize, v)
		}
		limit = n
	}
	return cursor, limit, nil
}

// ifMatch reads the version an If-Match header names. A missing header is a 428; "*" matches
// any version (0).
func ifMatch(r *http.Request) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, newProblem(http.StatusPreconditionRequired, "precondition-required",
			"If-Match is required: send the ETag of GET /services/{id}")
	}
	if h == "*" {
		return 0, nil
	}
	h = strings.TrimPrefix(h, "W/")
	v, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil || v <= 0 {
		return 0, badRequest("If-Match: %q is not an ETag this server issued", h)
	}
	return v, nil
}

func etag(version int64) string { return fmt.Sprintf("%q", strconv.FormatInt(version, 10)) }

// listOf is the shape of every list response.
type listOf[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func list[T any](items []T, next string) listOf[T] {
	if items == nil {
		items = []T{}
	}
	return listOf[T]{Items: items, NextCursor: next}
}
