package packtest_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/packtest"
)

const (
	guideFile    = "../../docs/designing-packs.md"
	guideSection = "## Worked example: an internet-access pack from an empty folder"
)

// guideFileRe matches the line that introduces a file of the worked example: the file's
// name in backticks followed by a colon, alone on its line ("`tests/create-junos.txtar`:").
var guideFileRe = regexp.MustCompile("^`([A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*)`:$")

type guideExampleFile struct {
	name    string
	line    int // line of the guide introducing the file
	content string
}

// extractGuideExample returns the files the worked example of the guide builds, in order.
func extractGuideExample(t *testing.T, guide string) []guideExampleFile {
	t.Helper()
	f, err := os.Open(guide)
	if err != nil {
		t.Fatalf("open the designer's guide: %v", err)
	}
	defer f.Close()

	var (
		files   []guideExampleFile
		inSect  bool
		found   bool
		pending *guideExampleFile // introduced, waiting for its code block
		cur     *guideExampleFile // inside its code block
		fence   string            // the fence of the code block we are in ("" outside)
		lineNo  int
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if fence != "" {
			if strings.TrimSpace(line) == fence {
				if cur != nil {
					files = append(files, *cur)
					cur = nil
				}
				fence = ""
				continue
			}
			if cur != nil {
				cur.content += line + "\n"
			}
			continue
		}
		if strings.HasPrefix(line, "## ") {
			if inSect {
				break
			}
			if strings.TrimSpace(line) == guideSection {
				inSect, found = true, true
			}
			continue
		}
		if !inSect {
			continue
		}
		if trimmed := strings.TrimSpace(line); strings.HasPrefix(trimmed, "```") {
			fence = trimmed[:len(trimmed)-len(strings.TrimLeft(trimmed, "`"))]
			if pending != nil {
				cur, pending = pending, nil
			}
			continue
		}
		if m := guideFileRe.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			if pending != nil {
				t.Errorf("%s:%d: file %s is introduced but no code block follows before the next file", guide, pending.line, pending.name)
			}
			pending = &guideExampleFile{name: m[1], line: lineNo}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", guide, err)
	}
	if !found {
		t.Fatalf("%s: no section %q", guide, guideSection)
	}
	if pending != nil {
		t.Errorf("%s:%d: file %s is introduced but no code block follows", guide, pending.line, pending.name)
	}
	if cur != nil {
		t.Errorf("%s:%d: the code block of %s is not closed", guide, cur.line, cur.name)
	}
	return files
}

// TestGuideWorkedExample builds the worked example of docs/designing-packs.md from the guide's
// own text, loads it and runs its tests: the guide's example must really work.
func TestGuideWorkedExample(t *testing.T) {
	files := extractGuideExample(t, guideFile)
	dir := t.TempDir()
	where := map[string]string{} // file name -> guide position
	tests := 0
	for _, f := range files {
		pos := guideFile + ":" + strconv.Itoa(f.line)
		if prev, dup := where[f.name]; dup {
			t.Errorf("%s: file %s is given twice (first at %s)", pos, f.name, prev)
			continue
		}
		where[f.name] = pos
		if path.IsAbs(f.name) || strings.HasPrefix(path.Clean(f.name), "..") {
			t.Errorf("%s: file name %s leaves the pack directory", pos, f.name)
			continue
		}
		if strings.HasPrefix(f.name, "tests/") && strings.HasSuffix(f.name, ".txtar") {
			tests++
		}
		dst := filepath.Join(dir, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, []byte(f.content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, need := range []string{"pack.json", "schema.json", "junos.star"} {
		if _, ok := where[need]; !ok {
			t.Errorf("%s: section %q gives no %s (introduce each file with a line \"`%s`:\" followed by a code block)", guideFile, guideSection, need, need)
		}
	}
	if tests == 0 {
		t.Errorf("%s: section %q gives no pack test (a \"`tests/NAME.txtar`:\" line followed by a code block)", guideFile, guideSection)
	}
	if t.Failed() {
		t.FailNow()
	}

	// pos names the guide line that introduced a file the engine reports on.
	pos := func(file string) string {
		if p, ok := where[filepath.ToSlash(file)]; ok {
			return p
		}
		return guideFile + " (section " + guideSection + ")"
	}

	if _, err := pack.Load(dir); err != nil {
		var le *pack.LoadError
		if !errors.As(err, &le) {
			t.Fatalf("the guide's worked example does not load: %v", err)
		}
		for _, p := range le.Problems {
			t.Errorf("the guide's worked example does not load: %s (file from %s)", p, pos(p.File))
		}
		t.FailNow()
	}

	res, err := packtest.RunDir(context.Background(), dir, packtest.Options{})
	if err != nil {
		t.Fatalf("the guide's worked example: pack test: %v", err)
	}
	if len(res) != tests {
		t.Errorf("the guide's worked example: ran %d case(s), the guide gives %d", len(res), tests)
	}
	for _, r := range res {
		name := "tests/" + r.Name + ".txtar"
		if r.Err != nil {
			t.Errorf("%s: the guide's test %s is broken: %v", pos(name), name, r.Err)
			continue
		}
		if !r.Passed {
			t.Errorf("%s: the guide's test %s fails; its want sections differ from what the pack produces:\n%s", pos(name), name, r.Diff)
		}
	}
}
