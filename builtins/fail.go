package builtins

// Function fail, for designers.
//
//	fail(msg, field=None)
//
// Stops the script with a designer-facing error. With field, a JSON pointer into the intent
// ("/endpoints/1/port"), the error is reported like a schema violation of that field: the
// operator sees it next to the input, the REST API answers 422 with the pointer. Without field
// it is a script error with the file:line of the fail call and a backtrace.
//
//	if ep["vlan"] == 1:
//	    fail("VLAN 1 is reserved", field="/endpoints/%d/vlan" % i)

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
)

var failBuiltin = starlark.NewBuiltin("fail", doFail)

// FailError is the error a script raises with fail(msg, field=...). Field is a JSON pointer into
// the intent, "" when the script named none.
type FailError struct {
	Msg   string
	Field string
}

func (e *FailError) Error() string { return e.Msg }

func doFail(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var msg starlark.Value
	var field starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "msg", &msg, "field?", &field); err != nil {
		return nil, err
	}
	text := msg.String()
	if s, ok := msg.(starlark.String); ok {
		text = string(s)
	}
	f := ""
	switch t := field.(type) {
	case starlark.NoneType:
	case starlark.String:
		f = string(t)
		if f != "" && !strings.HasPrefix(f, "/") {
			return nil, fmt.Errorf("fail: field must be a JSON pointer starting with \"/\", got %q", f)
		}
	default:
		return nil, fmt.Errorf("fail: field must be a string (JSON pointer), got %s", field.Type())
	}
	return nil, &FailError{Msg: text, Field: f}
}
