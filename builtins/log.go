package builtins

// Module log, for designers.
//
//	log.debug(*args)   log.info(*args)   log.warn(*args)   log.error(*args)
//
// Each call writes one line: the arguments formatted like print() does (strings as they are,
// other values as str()), joined by spaces. Lines go to the run's log: `xprov pack test -v`
// prints them, the engine records them with the run. print(...) is log.debug. Logging never
// changes what a script renders; log.error does not stop the script (use fail for that).

import (
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

var logModule = &starlarkstruct.Module{
	Name: "log",
	Members: starlark.StringDict{
		"debug": starlark.NewBuiltin("log.debug", logAt("debug")),
		"info":  starlark.NewBuiltin("log.info", logAt("info")),
		"warn":  starlark.NewBuiltin("log.warn", logAt("warn")),
		"error": starlark.NewBuiltin("log.error", logAt("error")),
	},
}

func logAt(level string) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(kwargs) > 0 {
			return nil, starlark.UnpackArgs(b.Name(), nil, kwargs) // reports the unexpected keyword
		}
		var sb strings.Builder
		for i, a := range args {
			if i > 0 {
				sb.WriteByte(' ')
			}
			if s, ok := a.(starlark.String); ok {
				sb.WriteString(string(s))
			} else {
				sb.WriteString(a.String())
			}
		}
		if run, err := RunOf(thread); err == nil {
			run.log(level, sb.String())
		}
		return starlark.None, nil
	}
}
