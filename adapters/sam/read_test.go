package sam_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/sam"
	"github.com/xprov/xprov/adapters/xmltree"
)

// findLog is a transport that records the find requests a target sends, so tests can check
// that the adapter reads only the objects it needs.
type findLog struct {
	mu    sync.Mutex
	finds []*xmltree.Node
}

func (l *findLog) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	if env, err := xmltree.ParseBytes(body, xmltree.Limits{}); err == nil {
		if m := env.Child("Body").Child("find"); m != nil {
			l.mu.Lock()
			l.finds = append(l.finds, m)
			l.mu.Unlock()
		}
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	return http.DefaultTransport.RoundTrip(r2)
}

// take returns the finds recorded since the last take.
func (l *findLog) take() []*xmltree.Node {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.finds
	l.finds = nil
	return out
}

func withFindLog(l *findLog) func(*sam.Options) {
	return func(o *sam.Options) { o.HTTPClient = &http.Client{Transport: l} }
}

// fdnOf returns the FDN a find is narrowed to: the value of its filter's equality on
// objectFullName, "" when it has none (a find of a whole class).
func fdnOf(f *xmltree.Node) string {
	for _, c := range f.Child("filter").Elements() {
		if name, _ := c.AttrValue("name"); c.Name.Local == "equal" && name == "objectFullName" {
			v, _ := c.AttrValue("value")
			return v
		}
	}
	return ""
}

// withSubtree tells whether a find asks for the children of the objects it finds.
func withSubtree(f *xmltree.Node) bool {
	ch := f.Child("resultFilter").Child("children")
	return ch == nil || len(ch.Children) > 0
}

func TestFetchReadsOnlyWhatIsAsked(t *testing.T) {
	log := &findLog{}
	b := setup(t, withFindLog(log))
	commit(t, b, createCS(t, eline("100")...))
	commit(t, b, createCS(t, eline("200")...))
	log.take()
	const site = "epipe.Epipe[100]/epipe.Site[10.255.2.1]"
	tests := []struct {
		name    string
		path    string
		class   string
		fdn     string
		subtree bool
		leaves  int
	}{
		{"service", "epipe.Epipe[100]", "epipe.Epipe", "svc-mgr:service-100", true, len(leaves(t, eline("100")...))},
		{"site", site, "epipe.Site", "svc-mgr:service-100:10.255.2.1", true, 1 + 1 + 4 + 3},
		{"SAP", site + "/vll.L2AccessInterface[1/1/3:100]", "vll.L2AccessInterface", "svc-mgr:service-100:10.255.2.1:sap-1/1/3:100", true, 4},
		{"service property", "epipe.Epipe[100]/description", "epipe.Epipe", "svc-mgr:service-100", false, 1},
		{"site property", site + "/siteId", "epipe.Site", "svc-mgr:service-100:10.255.2.1", false, 1},
		{"missing service", "epipe.Epipe[999]", "epipe.Epipe", "svc-mgr:service-999", true, 0},
		{"missing property", "epipe.Epipe[100]/mtu", "epipe.Epipe", "svc-mgr:service-100", false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := b.target.Fetch(ctxT(t), []config.Path{mustPath(t, tc.path)})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.leaves {
				t.Errorf("%d leaves, want %d: %v", len(got), tc.leaves, got)
			}
			for _, l := range got {
				if !strings.HasPrefix(l.Path.String(), tc.path) {
					t.Errorf("leaf %s is not below %s", l.Path, tc.path)
				}
			}
			finds := log.take()
			if len(finds) != 1 {
				t.Fatalf("%d finds, want 1", len(finds))
			}
			f := finds[0]
			if c := f.ChildText("fullClassName"); c != tc.class || fdnOf(f) != tc.fdn || withSubtree(f) != tc.subtree {
				t.Fatalf("find %s filtered by %q with subtree %v, want %s %q %v", c, fdnOf(f), withSubtree(f), tc.class, tc.fdn, tc.subtree)
			}
		})
	}
}

// TestPrepareReadsOneObjectAtATime: the reads of Prepare and of its undo are narrowed to one
// object by FDN, only the snapshot before a delete reads a subtree, and an undone change set
// leaves nothing that a find by service id sees.
func TestPrepareReadsOneObjectAtATime(t *testing.T) {
	log := &findLog{}
	b := setup(t, withFindLog(log))
	commit(t, b, createCS(t, eline("100")...))
	del := config.ChangeSet{Target: "sam1", Changes: []config.Change{{Op: config.Delete, Path: mustPath(t, "epipe.Epipe[100]")}}}
	failing := createCS(t, append(eline("101"), config.Object{Class: "epipe.Epipe", Key: "102", Props: map[string]string{"customerId": "99"}})...)
	failing.Changes = append(del.Changes, failing.Changes...)
	tests := []struct {
		name     string
		cs       config.ChangeSet
		rejected bool
		subtrees int      // finds that read a subtree: one per deleted object
		present  []string // services "show service" finds afterwards
		absent   []string
	}{
		{"update", config.ChangeSet{Target: "sam1", Changes: []config.Change{
			{Op: config.Update, Path: mustPath(t, "epipe.Epipe[100]/displayedName"), Value: "renamed"},
		}}, false, 0, []string{"100"}, nil},
		{"delete, create and a refusal: all undone", failing, true, 1, []string{"100"}, []string{"101", "102"}},
		{"delete", del, false, 1, nil, []string{"100"}},
		{"create again", createCS(t, eline("100")...), false, 0, []string{"100"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			log.take()
			tx, err := prepare(t, b, tc.cs)
			if tc.rejected {
				if !errors.Is(err, adapters.ErrRejected) {
					t.Fatalf("prepare: %v, want a rejection", err)
				}
				if err := tx.Rollback(ctxT(t)); err != nil {
					t.Fatal(err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if err := tx.Commit(ctxT(t)); err != nil {
					t.Fatal(err)
				}
			}
			subtrees := 0
			for _, f := range log.take() {
				if fdnOf(f) == "" {
					t.Errorf("find of class %s not narrowed to one object", f.ChildText("fullClassName"))
				}
				if withSubtree(f) {
					subtrees++
				}
			}
			if subtrees != tc.subtrees {
				t.Errorf("%d finds read a subtree, want %d", subtrees, tc.subtrees)
			}
			for _, id := range tc.present {
				res, err := b.target.Op(ctxT(t), "sr1", "show service "+id)
				if err != nil || !strings.Contains(res.Text, "vll.L2AccessInterface[1/1/3:"+id+"]") {
					t.Errorf("show service %s: %v\n%s", id, err, res.Text)
				}
			}
			for _, id := range tc.absent {
				if _, err := b.target.Op(ctxT(t), "sr1", "show service "+id); !errors.Is(err, adapters.ErrRejected) {
					t.Errorf("show service %s: %v, want no such service", id, err)
				}
			}
		})
	}
}
