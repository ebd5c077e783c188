package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCIDeps runs .ci/deps (what `make test` runs first) against fake dpkg-query, apt-get, id
// and go commands: it installs only the Debian packages that are missing, never upgrades an
// installed one, and says what it did.
func TestCIDeps(t *testing.T) {
	all := "netconfd yangcli netconfd-module-ietf-interfaces openssh-server python3-ncclient python3-zeep chromium"
	tests := []struct {
		name      string
		installed string // packages dpkg-query reports installed
		plan      string // apt-get install -s output
		wantOut   string
		wantCalls []string // apt-get invocations, in order
		wantFail  string   // in stderr, when the script must fail
	}{
		{
			name: "everything there", installed: all,
			wantOut: "deps: nothing to install", wantCalls: nil,
		},
		{
			name: "two missing", installed: "netconfd yangcli netconfd-module-ietf-interfaces openssh-server python3-ncclient",
			plan:    "Inst python3-zeep (4.2.1-1 Debian:stable [all])\nInst chromium (120.0-1 Debian:stable [amd64])\nInst libfoo1 (1.0 Debian:stable [amd64])\n",
			wantOut: "deps: installed: python3-zeep chromium libfoo1",
			wantCalls: []string{
				"update -qq",
				"install -s --no-upgrade --no-install-recommends python3-zeep chromium",
				"install -y -qq --no-upgrade --no-install-recommends python3-zeep chromium",
			},
		},
		{
			name: "would upgrade systemd", installed: "netconfd yangcli netconfd-module-ietf-interfaces openssh-server python3-ncclient python3-zeep",
			plan:     "Inst systemd [252.1-1] (252.30-1 Debian:stable [amd64])\nInst chromium (120.0-1 Debian:stable [amd64])\n",
			wantFail: "would upgrade installed packages: systemd",
			wantCalls: []string{
				"update -qq",
				"install -s --no-upgrade --no-install-recommends chromium",
			},
		},
	}
	script, err := filepath.Abs("../../.ci/deps")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			state := filepath.Join(dir, "state")
			if err := os.Mkdir(state, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, p := range strings.Fields(tc.installed) {
				writeExec(t, filepath.Join(state, p), "")
			}
			calls := filepath.Join(dir, "calls")
			writeExec(t, filepath.Join(dir, "plan"), tc.plan)
			fake := map[string]string{
				"dpkg-query": `for p; do :; done; [ -e "` + state + `/$p" ] && printf 'install ok installed' && exit 0; echo "dpkg-query: no packages found matching $p" >&2; exit 1`,
				// An install marks the named packages installed, as apt-get would.
				"apt-get": `echo "$*" >> "` + calls + `"
if [ "$1" = install ] && [ "$2" = -s ]; then cat "` + filepath.Join(dir, "plan") + `"; fi
if [ "$1" = install ] && [ "$2" = -y ]; then for a in "$@"; do case "$a" in -*|install) ;; *) touch "` + state + `/$a";; esac; done; fi
exit 0`,
				"id": `echo 0`,
				"go": `exit 0`,
			}
			bin := filepath.Join(dir, "bin")
			if err := os.Mkdir(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, body := range fake {
				writeExec(t, filepath.Join(bin, name), "#!/bin/sh\n"+body+"\n")
			}
			cmd := exec.Command("bash", script)
			cmd.Env = append(os.Environ(), "PATH="+bin+":/usr/bin:/bin")
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if tc.wantFail != "" {
				if err == nil || !strings.Contains(stderr.String(), tc.wantFail) {
					t.Fatalf("err %v, stderr %q: want a failure saying %q", err, stderr.String(), tc.wantFail)
				}
			} else if err != nil {
				t.Fatalf("deps: %v\n%s%s", err, stdout.String(), stderr.String())
			}
			if tc.wantOut != "" && !strings.Contains(stdout.String(), tc.wantOut) {
				t.Errorf("stdout %q, want %q", stdout.String(), tc.wantOut)
			}
			raw, _ := os.ReadFile(calls)
			got := strings.Split(strings.TrimSpace(string(raw)), "\n")
			if len(raw) == 0 {
				got = nil
			}
			if strings.Join(got, "\n") != strings.Join(tc.wantCalls, "\n") {
				t.Errorf("apt-get calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.wantCalls, "\n"))
			}
		})
	}
}

func writeExec(t *testing.T, name, body string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}
