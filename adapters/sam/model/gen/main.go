// Command gen writes docs/sam-model.md from the embedded SAM-O class model.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/xprov/xprov/adapters/sam/model"
)

func main() {
	out := flag.String("o", "docs/sam-model.md", "where to write the page")
	flag.Parse()
	if err := os.WriteFile(*out, []byte(model.SAM().Markdown()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
