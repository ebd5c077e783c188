package engine

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/xprov/xprov/engine/pack"
)

// ServiceIDMaxLen is the longest service id a client may choose.
const ServiceIDMaxLen = 64

// ServiceIDPattern is the grammar of a service id a client chooses: an ASCII letter or digit,
// then letters, digits, '.', '_', ':' or '-', at most ServiceIDMaxLen characters, and no "..".
// Such an id is one URL path segment as it is (no escaping), a Junos commit comment word and a
// SAM description without quoting. Ids the engine picks (type-hex) follow it too.
const ServiceIDPattern = `^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`

var serviceIDRE = regexp.MustCompile(ServiceIDPattern)

// CheckServiceID returns nil when id follows ServiceIDPattern, else a *pack.ValidationError
// at the pointer /id (the member of a create request that names the service).
func CheckServiceID(id string) error {
	msg := ""
	switch {
	case id == "":
		msg = "is required"
	case len(id) > ServiceIDMaxLen:
		msg = fmt.Sprintf("is %d characters long, the limit is %d", len(id), ServiceIDMaxLen)
	case !serviceIDRE.MatchString(id):
		msg = "must start with a letter or digit and hold only letters, digits, '.', '_', ':' or '-' (" + ServiceIDPattern + ")"
	case strings.Contains(id, ".."):
		msg = `must not contain ".."`
	default:
		return nil
	}
	return &pack.ValidationError{Fields: []pack.FieldError{{Pointer: "/id", Message: msg}}}
}
