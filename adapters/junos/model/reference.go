package model

import (
	"fmt"
	"strings"
)

// Reference renders the model as the Markdown reference page for pack designers
// (docs/junos-model.md).
func Reference() string {
	var b strings.Builder
	b.WriteString(`# Junos device model

<!-- Generated from adapters/junos/model/junos.model by
     go test ./adapters/junos/model -run TestReferenceIsCurrent -update
     Do not edit by hand. -->

The Junos configuration statements xprov knows, as a junos.star may render them (the Junos JSON
shape: a list is a list of dicts keyed by "name", a leaf-list a list of values, a presence
statement ` + "`True`" + ` or a dict of its members). ` + "`xprov pack test`" + `, every dry-run and every
request check what a pack renders for a Junos device against this model, and the Junos
simulator refuses what it refuses, as Junos does:

- a statement not listed here: "syntax error";
- a value of the wrong type or out of range: the reason ("Value 9999 is not within range
  (1..4094)");
- a missing mandatory statement, or two statements of a one-of group together.

A refusal names the configuration path, the value, the model path (the first column below)
and the file:line of the pack that produced the value. Statements marked "not checked" accept
anything below them. The model covers what the bundled packs and the lab devices use and
their common neighbours; to use a statement it lacks, add it to
adapters/junos/model/junos.model (one line, with its type and range from the Junos
documentation) and regenerate this page.

| model path | kind | value | notes |
| --- | --- | --- | --- |
`)
	var walk func(n *Node)
	walk = func(n *Node) {
		for _, c := range n.order {
			value := ""
			switch c.Kind {
			case Leaf, LeafList:
				value = c.Type.Describe()
			case List:
				value = "key `name`: " + c.Type.Describe()
			}
			var notes []string
			if c.Mandatory && c.When[0] != "" {
				notes = append(notes, fmt.Sprintf("mandatory when %s is `%s`", c.When[0], c.When[1]))
			} else if c.Mandatory {
				notes = append(notes, "mandatory")
			}
			if c.Flat {
				notes = append(notes, "the CLI omits its name")
			}
			if c.Kind == Any || c.Open {
				notes = append(notes, "contents not checked")
			}
			for _, g := range n.OneOf {
				for _, name := range g {
					if name == c.Name {
						notes = append(notes, "at most one of "+strings.Join(g, ", "))
					}
				}
			}
			if c.Doc != "" {
				notes = append(notes, c.Doc)
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", c.Path(), c.Kind, escape(value), escape(strings.Join(notes, "; ")))
			walk(c)
		}
	}
	walk(root)
	return b.String()
}

func escape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
