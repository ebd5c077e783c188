package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/xprov/xprov/engine"
)

// printDrift lists the differences of a service's audit, one line per node.
func printDrift(w *tabwriter.Writer, drift []engine.TargetDrift) {
	for _, d := range drift {
		if d.Error != "" {
			fmt.Fprintf(w, "%s\tunknown: %s\n", d.Target, d.Error)
		}
		for _, m := range d.Missing {
			fmt.Fprintf(w, "%s\tmissing %s = %q\n", d.Target, m.Path, m.Want)
		}
		for _, ch := range d.Changed {
			fmt.Fprintf(w, "%s\tchanged %s: want %q, device has %q\n", d.Target, ch.Path, ch.Want, ch.Actual)
		}
		for _, x := range d.Extra {
			fmt.Fprintf(w, "%s\textra %s = %q\n", d.Target, x.Path, x.Actual)
		}
	}
}
