package builtins

import "go.starlark.net/syntax"

var fileOptionsForTest = &syntax.FileOptions{Set: true, While: true}
