package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
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
// in a field name is a 400 and not a silently ignored option; a member of the wrong type is a
// 422 at its pointer. An empty body is an error unless optional. No message names a Go type.
func decodeJSON(body []byte, v any, optional bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return badRequest("a JSON request body is required")
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == 'n' {
		// null decodes into a struct as if nothing were sent; say what is wrong instead.
		return badRequest("the request body must be a JSON object, got null")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	// Anything but the end after the object is refused ("{}]" too, which dec.More accepts).
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("malformed JSON body: trailing data after the object")
	}
	return nil
}

// decodeError turns an encoding/json error into a problem that speaks of the JSON document.
func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		ptr := jsonPointer(te.Field)
		msg := "must be " + jsonKind(te.Type) + ", got " + te.Value
		if ptr == "" {
			return badRequest("the request body must be a JSON object, got %s", te.Value)
		}
		return problemWithFields(http.StatusUnprocessableEntity, "validation", ptr+": "+msg, FieldError{Pointer: ptr, Message: msg})
	case errors.As(err, &se):
		return badRequest("malformed JSON body at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return badRequest("malformed JSON body: it ends early")
	}
	if m, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return badRequest("unknown member %s in the request body", m)
	}
	return badRequest("malformed JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonPointer turns encoding/json's dotted field path ("endpoints.0.port") into a JSON pointer.
func jsonPointer(field string) string {
	if field == "" {
		return ""
	}
	parts := strings.Split(field, ".")
	for i, p := range parts {
		parts[i] = strings.NewReplacer("~", "~0", "/", "~1").Replace(p)
	}
	return "/" + strings.Join(parts, "/")
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another type"
}

// urlParam returns a path parameter decoded once, whatever the client escaped: chi matches
// on the escaped path when the request has one (so that %2F stays inside a segment) and then
// hands out escaped values, else on the decoded path. Decoding here gives one value per id:
// /services/a%2Fb names "a/b" and /services/a%252Fb names "a%2Fb".
func urlParam(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if r.URL.RawPath == "" {
		return v
	}
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
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
// any version (match false). Every ETag the server issues is accepted back, "0" (a create that
// never succeeded) included, weak or strong.
func ifMatch(r *http.Request) (version int64, match bool, err error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, false, newProblem(http.StatusPreconditionRequired, "precondition-required",
			"If-Match is required: send the ETag of GET /services/{id}")
	}
	if h == "*" {
		return 0, false, nil
	}
	tag := strings.TrimPrefix(h, "W/")
	v, err := strconv.ParseInt(strings.Trim(tag, `"`), 10, 64)
	if err != nil || v < 0 || etag(v) != tag {
		return 0, false, badRequest("If-Match: %q is not an ETag this server issued", h)
	}
	return v, true, nil
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
