package junos

import (
	"strings"

	"github.com/xprov/xprov/adapters/config"
)

// hiddenLists maps a top-level container to the list whose element name the CLI omits:
// interfaces/interface[ge-0/0/1] is `interfaces ge-0/0/1`.
var hiddenLists = map[string]string{
	"interfaces": "interface", "routing-instances": "instance", "vlans": "vlan",
	"bridge-domains": "domain",
}

// hiddenLeaves maps a container to the leaf whose name the CLI omits:
// route-distinguisher/rd-type is `route-distinguisher 65000:1`.
var hiddenLeaves = map[string]string{"route-distinguisher": "rd-type", "vrf-target": "community"}

// cliWords spells a path as CLI words.
func cliWords(p config.Path) []string {
	var w []string
	for i, s := range p {
		parent := ""
		if i > 0 {
			parent = p[i-1].Name
		}
		switch {
		case s.IsEntry() && i == 1 && hiddenLists[parent] == s.Name:
			w = append(w, cliQuote(s.Key))
		case s.IsEntry():
			w = append(w, s.Name, cliQuote(s.Key))
		case hiddenLeaves[parent] == s.Name:
		default:
			w = append(w, s.Name)
		}
	}
	return w
}

// cliQuote quotes a word the way the Junos CLI shows it.
func cliQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"';{}[]#\\") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// SetLines renders a change set as Junos `set` and `delete` commands. Creates and updates of
// containers and list entries that have children in the set are implied by their children's
// lines; deletes below a deleted node are implied by it.
func SetLines(cs config.ChangeSet) string {
	var lines []string
	for i, c := range cs.Changes {
		switch c.Op {
		case config.Delete:
			covered := false
			for _, o := range cs.Changes[:i] {
				if o.Op == config.Delete && len(o.Path) < len(c.Path) && c.Path.HasPrefix(o.Path) {
					covered = true
				}
			}
			if !covered {
				lines = append(lines, "delete "+strings.Join(cliWords(c.Path), " "))
			}
		default:
			implied := false
			for _, o := range cs.Changes {
				if o.Op != config.Delete && len(o.Path) > len(c.Path) && o.Path.HasPrefix(c.Path) {
					implied = true
					break
				}
			}
			if implied {
				continue
			}
			w := cliWords(c.Path)
			if c.Value != "" && !c.Path.Last().IsEntry() {
				w = append(w, cliQuote(c.Value))
			}
			lines = append(lines, "set "+strings.Join(w, " "))
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}
