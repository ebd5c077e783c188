package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/ui/server"
)

// startDemo starts `xprov serve --demo` in process on a fresh database.
func startDemo(t *testing.T) *server.Instance {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	in, err := server.Start(ctx, server.Options{Demo: true, Out: &bytes.Buffer{},
		Config: server.Config{Listen: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "demo.db")}})
	if err != nil {
		t.Fatalf("start demo: %v", err)
	}
	t.Cleanup(func() { _ = in.Shutdown(context.Background()) })
	return in
}

// runArgs runs one client command line against a server; it returns the output and the exit
// code main would use.
func runArgs(t *testing.T, in *server.Instance, args []string) (string, int) {
	t.Helper()
	t.Setenv("XPROV_SERVER", in.URL)
	t.Setenv("XPROV_TOKEN", in.Token)
	root := &cobra.Command{Use: "xprov", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(clientCommands()...)
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := root.ExecuteContext(ctx); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			return out.String() + "error: " + err.Error(), ee.code
		}
		return out.String() + "error: " + err.Error(), 1
	}
	return out.String(), 0
}

// shellWords splits a command line as sh would for the quoting the examples use (single
// quotes, no escapes), dropping a trailing # comment.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			cur.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == '#' && !inWord:
			return words
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unterminated quote in %q", line)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// TestHelpExamplesWorkOnTheDemo runs every example of `xprov service create|modify --help`
// against the demo, in order: each must exit 0.
func TestHelpExamplesWorkOnTheDemo(t *testing.T) {
	in := startDemo(t)
	t.Chdir(t.TempDir())
	// The -f example reads the file the README's sequence writes.
	file := `{"customer": "CUST-1", "description": "HQ to branch", "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 100}, {"device": "sr1", "port": "1/1/1", "vlan": 100}]}`
	if err := os.WriteFile("hq-branch.json", []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	svc := serviceCmd()
	var examples []string
	for _, name := range []string{"create", "modify"} {
		c, _, err := svc.Find([]string{name})
		if err != nil || c.Example == "" {
			t.Fatalf("service %s: no examples (%v)", name, err)
		}
		for _, l := range strings.Split(c.Example, "\n") {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "xprov ") {
				examples = append(examples, l)
			}
		}
	}
	// The dry-run example previews what the first example created: run it first.
	examples[0], examples[1] = examples[1], examples[0]
	for _, ex := range examples {
		out, code := runArgs(t, in, shellWords(t, ex)[1:])
		if code != 0 {
			t.Errorf("%s\nexit %d:\n%s", ex, code, out)
		}
	}
}

// TestReadmeFirstMinute runs the command sequence of the README's "First minute with the
// demo" against the demo, exactly as written (./bin/xprov is this binary's commands).
func TestReadmeFirstMinute(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(readme), "## First minute with the demo")
	if !ok {
		t.Fatal("README has no 'First minute with the demo' section")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	blocks := strings.Split(sec, "```sh\n")
	if len(blocks) < 3 {
		t.Fatalf("want two sh blocks (make run, then the client), got %d", len(blocks)-1)
	}
	script, _, _ := strings.Cut(blocks[2], "```")
	in := startDemo(t)
	t.Chdir(t.TempDir())
	lines := strings.Split(script, "\n")
	ran := 0
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		switch {
		case l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "export XPROV_SERVER="):
		case strings.HasPrefix(l, "cat > "):
			// cat > FILE <<'END' ... END
			f := shellWords(t, l)
			name, end := f[2], strings.Trim(strings.TrimPrefix(f[3], "<<"), "'")
			var body []string
			for i++; i < len(lines) && lines[i] != end; i++ {
				body = append(body, lines[i])
			}
			if err := os.WriteFile(name, []byte(strings.Join(body, "\n")+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(l, "./bin/xprov "):
			out, code := runArgs(t, in, shellWords(t, l)[1:])
			if code != 0 {
				t.Fatalf("%s\nexit %d:\n%s", l, code, out)
			}
			ran++
		default:
			t.Fatalf("README line the test cannot run: %q", l)
		}
	}
	if ran < 4 {
		t.Fatalf("ran %d commands; the README should create and check a service", ran)
	}
}
