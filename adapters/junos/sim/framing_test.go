package sim

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestFramerRead(t *testing.T) {
	huge := strings.Repeat("<a>x&gt;</a>", 100000) // 1.2 MB with many '>' bytes
	tests := []struct {
		name    string
		chunked bool
		in      string
		want    []string
		wantErr bool
	}{
		{name: "eom one", in: "<rpc/>]]>]]>", want: []string{"<rpc/>"}},
		{name: "eom two", in: "<a/>]]>]]><b/>]]>]]>", want: []string{"<a/>", "<b/>"}},
		{name: "eom gt inside", in: "<a>]]></a>]]>]]>", want: []string{"<a>]]></a>"}},
		{name: "eom partial delimiter inside", in: "<a>]]>]]</a>]]>]]>", want: []string{"<a>]]>]]</a>"}},
		{name: "eom truncated", in: "<a/>]]>]]", wantErr: true},
		{name: "eom huge", in: huge + "]]>]]>", want: []string{huge}},
		{name: "chunked one", chunked: true, in: "\n#6\n<rpc/>\n##\n", want: []string{"<rpc/>"}},
		{name: "chunked split chunks", chunked: true, in: "\n#3\n<rp\n#3\nc/>\n##\n", want: []string{"<rpc/>"}},
		{name: "chunked two msgs", chunked: true, in: "\n#4\n<a/>\n##\n\n#4\n<b/>\n##\n", want: []string{"<a/>", "<b/>"}},
		{name: "chunked data with hash", chunked: true, in: "\n#7\n\n##\n<a>\n##\n", want: []string{"\n##\n<a>"}},
		{name: "chunked huge", chunked: true, in: "\n#" + itoa(len(huge)) + "\n" + huge + "\n##\n", want: []string{huge}},
		{name: "chunked leading zero", chunked: true, in: "\n#06\n<rpc/>\n##\n", wantErr: true},
		{name: "chunked zero size", chunked: true, in: "\n#0\n\n##\n", wantErr: true},
		{name: "chunked too large", chunked: true, in: "\n#4294967296\nx\n##\n", wantErr: true},
		{name: "chunked short", chunked: true, in: "\n#10\nabc", wantErr: true},
		{name: "chunked no newline", chunked: true, in: "#3\nabc\n##\n", wantErr: true},
		{name: "chunked bad end", chunked: true, in: "\n#3\nabc\n##x", wantErr: true},
	}
	for _, tc := range tests {
		// Every test runs with whole reads and with one byte per read, so delimiters and
		// chunk headers arrive split at every possible position.
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tc.in)
			if oneByte {
				if len(tc.in) > 100000 {
					continue
				}
				r = iotest.OneByteReader(r)
			}
			f := NewFramer(r, io.Discard)
			f.SetChunked(tc.chunked)
			var got []string
			var err error
			for {
				var m []byte
				m, err = f.ReadMsg()
				if err != nil {
					break
				}
				got = append(got, string(m))
			}
			if errors.Is(err, io.EOF) {
				err = nil
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("%s (one byte %v): err = %v, wantErr %v", tc.name, oneByte, err, tc.wantErr)
				continue
			}
			if !tc.wantErr && !equalStrings(got, tc.want) {
				t.Errorf("%s (one byte %v): got %d messages %.80q, want %.80q", tc.name, oneByte, len(got), got, tc.want)
			}
		}
	}
}

func itoa(n int) string {
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFramerRoundTrip(t *testing.T) {
	for _, size := range []int{1, 4095, 4096, maxChunk - 1, maxChunk, maxChunk + 1, 3*maxChunk + 7} {
		for _, chunked := range []bool{false, true} {
			msg := bytes.Repeat([]byte("x"), size)
			var buf bytes.Buffer
			w := NewFramer(nil, &buf)
			w.SetChunked(chunked)
			if err := w.WriteMsg(msg); err != nil {
				t.Fatal(err)
			}
			r := NewFramer(iotest.HalfReader(&buf), nil)
			r.SetChunked(chunked)
			got, err := r.ReadMsg()
			if err != nil || !bytes.Equal(got, msg) {
				t.Errorf("size %d chunked %v: %d bytes, %v", size, chunked, len(got), err)
			}
		}
	}
}

// FuzzFramer checks that no input crashes the reader and that what it accepts in chunked
// mode survives a write/read round trip.
func FuzzFramer(f *testing.F) {
	for _, s := range []string{"<rpc/>]]>]]>", "\n#6\n<rpc/>\n##\n", "\n#3\n<rp\n#3\nc/>\n##\n", "]]>]]>", "\n##\n", "\n#9999999999\n"} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, in []byte, chunked bool) {
		r := NewFramer(bytes.NewReader(in), nil)
		r.SetChunked(chunked)
		r.max = 1 << 20
		for i := 0; i < 100; i++ {
			m, err := r.ReadMsg()
			if err != nil {
				return
			}
			var buf bytes.Buffer
			w := NewFramer(nil, &buf)
			w.SetChunked(chunked)
			if err := w.WriteMsg(m); err != nil {
				t.Fatal(err)
			}
			back := NewFramer(&buf, nil)
			back.SetChunked(chunked)
			got, err := back.ReadMsg()
			if chunked && (err != nil || !bytes.Equal(got, m)) {
				t.Fatalf("round trip of %q: %q, %v", m, got, err)
			}
		}
	})
}

// FuzzRPC feeds arbitrary messages to the RPC parser and the edit machinery.
func FuzzRPC(f *testing.F) {
	f.Add([]byte(`<rpc message-id="1"><edit-config><target><candidate/></target><config><configuration><interfaces><interface><name>ge-0/0/1</name><unit><name>1</name><vlan-id>5</vlan-id></unit></interface></interfaces></configuration></config></edit-config></rpc>`))
	f.Add([]byte(`<rpc><get-config><source><running/></source><filter type="subtree"><configuration><interfaces/></configuration></filter></get-config></rpc>`))
	f.Add([]byte(`<rpc><load-configuration action="set"><configuration-set>set interfaces ge-0/0/2 unit 3 vlan-id 7</configuration-set></load-configuration></rpc>`))
	f.Add([]byte(`<?xml version="1.0"?><rpc><commit-configuration><check/></commit-configuration></rpc>`))
	d, err := New(Options{Name: "fz", User: "u", Password: "p"})
	if err != nil {
		f.Fatal(err)
	}
	defer d.Close()
	f.Fuzz(func(t *testing.T, msg []byte) {
		s := &session{id: 1, dev: d, killed: make(chan struct{})}
		out, _ := s.handle(msg)
		if _, err := parseElem(out); err != nil {
			t.Fatalf("reply is not XML: %v\n%s", err, out)
		}
		d.mu.Lock()
		d.lockHolder = 0
		d.mu.Unlock()
	})
}
