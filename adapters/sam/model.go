package sam

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/sam/model"
)

// classes is the SAM-O class model (adapters/sam/model, data file sam.model): the classes
// the adapter configures, their parents, keys, FDNs and properties.
var classes = model.SAM()

// readOnly are attributes find reports that are not configuration.
var readOnly = map[string]bool{"objectFullName": true, "operationalState": true, "nodeName": true}

// serviceClasses are the top-level classes Fetch of everything walks: the services and the
// QoS policies packs create.
var serviceClasses = func() []string {
	var out []string
	for _, name := range classes.Order {
		if classes.TopLevel(classes.Class(name)) {
			out = append(out, name)
		}
	}
	return out
}()

var xmlName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// objectRef is a SAM object addressed by a config path.
type objectRef struct {
	path      config.Path
	class     string
	key       string
	fdn       string
	parentFDN string
}

// resolve maps an object path (every segment class[key]) to its FDN.
func resolve(p config.Path) (objectRef, error) {
	if len(p) == 0 {
		return objectRef{}, fmt.Errorf("empty object path")
	}
	fdn := ""
	parentClass := ""
	var ref objectRef
	for i, s := range p {
		cl := classes.Class(s.Name)
		if cl == nil || !s.IsEntry() {
			return objectRef{}, fmt.Errorf("%s: %q is not a class[key] segment of a SAM class (see docs/sam-model.md)", p[:i+1], s.String())
		}
		if parentClass == "" {
			mg := classes.ManagerOf(cl)
			if mg == nil {
				return objectRef{}, fmt.Errorf("%s: class %s must sit below one of %s", p[:i+1], s.Name, strings.Join(cl.Parents, ", "))
			}
			fdn = mg.FDN
		} else if !cl.AllowedUnder(parentClass) {
			return objectRef{}, fmt.Errorf("%s: class %s cannot sit below %s", p[:i+1], s.Name, parentClass)
		}
		kp, err := cl.KeyProps(s.Key)
		if err != nil {
			return objectRef{}, fmt.Errorf("%s: %v", p[:i+1], err)
		}
		ref.parentFDN = fdn
		fdn = cl.FDN(fdn, kp)
		parentClass = s.Name
	}
	last := p.Last()
	ref.path, ref.class, ref.key, ref.fdn = p, last.Name, last.Key, fdn
	return ref, nil
}

// splitLeaf tells an object path (last segment keyed) from a property leaf (last segment a
// plain name directly below an object).
func splitLeaf(p config.Path) (obj config.Path, prop string, err error) {
	if len(p) == 0 {
		return nil, "", fmt.Errorf("empty path")
	}
	if p.Last().IsEntry() {
		return p, "", nil
	}
	if len(p) < 2 || !p[len(p)-2].IsEntry() {
		return nil, "", fmt.Errorf("%s: a property must sit directly below a class[key] object", p)
	}
	name := p.Last().Name
	if !xmlName.MatchString(name) {
		return nil, "", fmt.Errorf("%s: %q is not a valid SAM attribute name", p, name)
	}
	return p.Parent(), name, nil
}
