package server

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xprov/xprov/flexservices"
)

// copyPack writes the bundled pack (or lib/) name under dir.
func copyPack(t *testing.T, dir, name string) {
	t.Helper()
	err := fs.WalkDir(flexservices.FS, name, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(flexservices.FS, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestServeWatchesPacks: with --packs, a pack added to the directory while the server runs is
// served without a restart or a reload request.
func TestServeWatchesPacks(t *testing.T) {
	old := packsPoll
	packsPoll = 10 * time.Millisecond
	defer func() { packsPoll = old }()
	dir := t.TempDir()
	copyPack(t, dir, "lib")
	copyPack(t, dir, "eline")
	ctx := context.Background()
	in, err := Start(ctx, Options{Config: Config{Listen: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "x.db"), Packs: dir}})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Shutdown(context.Background())
	types := func() string {
		rq, _ := http.NewRequest("GET", in.URL+"/api/v1/types", nil)
		rq.Header.Set("Authorization", "Bearer "+in.Token)
		resp, err := http.DefaultClient.Do(rq)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := types(); !strings.Contains(got, `"eline"`) || strings.Contains(got, `"elan"`) {
		t.Fatalf("at start: %s", got)
	}
	copyPack(t, dir, "elan")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(types(), `"elan"`) {
		if time.Now().After(deadline) {
			t.Fatal("the pack added to --packs was not served within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
