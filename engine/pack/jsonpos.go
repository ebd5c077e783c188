package pack

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// jsonDoc is a JSON file with the position of every value, so that problems found by pointer
// (meta-schema violations, form scopes) can be reported as file:line:col.
type jsonDoc struct {
	file string
	data []byte
	pos  map[string]int // JSON pointer -> byte offset (of the member name for object members)
	val  any
}

// parseJSON decodes data (numbers as json.Number) and indexes positions. A syntax error
// becomes a Problem at its line:col.
func parseJSON(file string, data []byte) (*jsonDoc, *Problem) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonProblem(file, data, err)
	}
	if _, err := dec.Token(); err == nil {
		off := int(dec.InputOffset())
		line, col := lineCol(data, off)
		return nil, &Problem{File: file, Line: line, Col: col, Msg: "invalid JSON: data after the top-level value"}
	}
	d := &jsonDoc{file: file, data: data, val: v, pos: map[string]int{}}
	d.index()
	return d, nil
}

func jsonProblem(file string, data []byte, err error) *Problem {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := -1
	msg := err.Error()
	switch {
	case errors.As(err, &se):
		off = int(se.Offset)
		// Offset is just past the offending byte; point at it.
		if off > 0 {
			off--
		}
	case errors.As(err, &te):
		off = int(te.Offset)
	case errors.Is(err, io.EOF):
		off = len(data)
		msg = "empty file"
	case errors.Is(err, io.ErrUnexpectedEOF):
		off = len(data)
		msg = "unexpected end of input"
	}
	p := &Problem{File: file, Msg: "invalid JSON: " + strings.TrimPrefix(msg, "json: ")}
	if off >= 0 {
		p.Line, p.Col = lineCol(data, off)
	}
	return p
}

// lineCol converts a byte offset into 1-based line and column (columns count bytes).
func lineCol(data []byte, off int) (int, int) {
	if off > len(data) {
		off = len(data)
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

func (d *jsonDoc) index() {
	dec := json.NewDecoder(bytes.NewReader(d.data))
	dec.UseNumber()
	var walk func(ptr string) bool
	walk = func(ptr string) bool {
		start := skipSep(d.data, int(dec.InputOffset()))
		if _, ok := d.pos[ptr]; !ok {
			d.pos[ptr] = start
		}
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		delim, ok := tok.(json.Delim)
		if !ok {
			return true
		}
		switch delim {
		case '{':
			for dec.More() {
				kstart := skipSep(d.data, int(dec.InputOffset()))
				kt, err := dec.Token()
				if err != nil {
					return false
				}
				key, _ := kt.(string)
				child := ptr + "/" + escapeToken(key)
				d.pos[child] = kstart
				if !walk(child) {
					return false
				}
			}
		case '[':
			for i := 0; dec.More(); i++ {
				if !walk(ptr + "/" + strconv.Itoa(i)) {
					return false
				}
			}
		}
		_, err = dec.Token() // closing delimiter
		return err == nil
	}
	walk("")
}

func skipSep(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\n', '\r', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// problem returns a Problem positioned at the JSON pointer ptr (or its nearest ancestor).
func (d *jsonDoc) problem(ptr, msg string) Problem {
	p := Problem{File: d.file, Msg: msg}
	for {
		if off, ok := d.pos[ptr]; ok {
			p.Line, p.Col = lineCol(d.data, off)
			return p
		}
		if ptr == "" {
			return p
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			ptr = ""
		} else {
			ptr = ptr[:i]
		}
	}
}

func escapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unescapeToken(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}
