package main

import (
	"os"
	"sort"
	"strings"
	"testing"
)

// TestDirectDependencies fails when go.mod grows a direct dependency nobody decided on: every
// dependency must earn its place, and the commit that adds one says why (and updates this list).
func TestDirectDependencies(t *testing.T) {
	allowed := map[string]string{
		"go.starlark.net":                          "pack scripts",
		"github.com/go-chi/chi/v5":                 "REST router",
		"modernc.org/sqlite":                       "state store without cgo",
		"github.com/Juniper/go-netconf":            "NETCONF client",
		"github.com/hooklift/gowsdl":               "SAM-O client generator and SOAP runtime",
		"github.com/santhosh-tekuri/jsonschema/v5": "intent and pack validation",
		"golang.org/x/crypto":                      "SSH for the Junos simulator and adapter",
		"golang.org/x/tools":                       "txtar pack tests",
		"golang.org/x/term":                        "CLI: progress only on a terminal",
		"github.com/spf13/cobra":                   "CLI",
		"github.com/schollz/progressbar/v3":        "CLI progress bars",
		"github.com/prometheus/client_golang":      "metrics",
		"github.com/chromedp/chromedp":             "browser tests",
		"github.com/chromedp/cdproto":              "browser tests (chromedp's protocol types)",
		"github.com/pb33f/libopenapi":              "OpenAPI 3.1 document model for the contract test",
		"github.com/pb33f/libopenapi-validator":    "OpenAPI 3.1 request/response validation in tests",
	}
	raw, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var unknown []string
	inRequire := false
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "require (":
			inRequire = true
			continue
		case line == ")":
			inRequire = false
			continue
		case strings.HasPrefix(line, "require "):
			line = strings.TrimPrefix(line, "require ")
		case !inRequire:
			continue
		}
		if line == "" || strings.Contains(line, "// indirect") {
			continue
		}
		mod := strings.Fields(line)[0]
		if _, ok := allowed[mod]; !ok {
			unknown = append(unknown, mod)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		t.Fatalf("go.mod has direct dependencies nobody listed (add them here with the reason): %v", unknown)
	}
}
