package junos

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/Juniper/go-netconf/netconf"
)

// readAll reads chunked messages until an error; io.EOF at a message boundary is no error.
func readAllChunked(r io.Reader, max int) ([]string, error) {
	br := bufio.NewReaderSize(r, 16)
	var out []string
	for {
		m, err := readChunked(br, max)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(m))
	}
}

func chunk(s string) string { return "\n#" + strconv.Itoa(len(s)) + "\n" + s }

const endChunks = "\n##\n"

func TestReadChunked(t *testing.T) {
	huge := strings.Repeat("<a>x\n##\n</a>", 100000) // 1.3 MB holding end-of-chunks lookalikes
	var many strings.Builder
	for _, c := range "<rpc-reply><ok/></rpc-reply>" {
		many.WriteString(chunk(string(c)))
	}
	many.WriteString(endChunks)
	tests := []struct {
		name    string
		in      string
		max     int // default 4 MiB
		want    []string
		wantErr string // substring of the error; "" means success
	}{
		{name: "one chunk", in: chunk("<ok/>") + endChunks, want: []string{"<ok/>"}},
		{name: "two chunks", in: chunk("<o") + chunk("k/>") + endChunks, want: []string{"<ok/>"}},
		{name: "many one-byte chunks", in: many.String(), want: []string{"<rpc-reply><ok/></rpc-reply>"}},
		{name: "two messages", in: chunk("<a/>") + endChunks + chunk("<b/>") + endChunks, want: []string{"<a/>", "<b/>"}},
		{name: "data holds framing", in: chunk("\n##\n\n#5\n") + endChunks, want: []string{"\n##\n\n#5\n"}},
		{name: "one huge chunk", in: chunk(huge) + endChunks, want: []string{huge}},
		{name: "whitespace between messages", in: chunk("<a/>") + endChunks + " \r\n" + chunk("<b/>") + endChunks, want: []string{"<a/>", "<b/>"}},
		{name: "empty stream", in: "", want: nil},
		{name: "exactly max", in: chunk("12345") + chunk("67890") + endChunks, max: 10, want: []string{"1234567890"}},
		{name: "largest size, too big for max", in: "\n#4294967295\nabc", max: 1 << 20, wantErr: "exceeds"},
		{name: "oversize over chunks", in: chunk("123456") + chunk("789012") + endChunks, max: 10, wantErr: "exceeds"},
		{name: "oversize one chunk", in: chunk("12345678901") + endChunks, max: 10, wantErr: "exceeds"},
		{name: "zero size", in: "\n#0\n" + endChunks, wantErr: "starts with"},
		{name: "leading zero", in: "\n#05\n<ok/>" + endChunks, wantErr: "starts with"},
		{name: "size too large", in: "\n#4294967296\nabc" + endChunks, wantErr: "out of range"},
		{name: "size with eleven digits", in: "\n#12345678901\nabc" + endChunks, wantErr: "too large"},
		{name: "size not a number", in: "\n#1a\nabc" + endChunks, wantErr: "not a number"},
		{name: "negative size", in: "\n#-1\nabc" + endChunks, wantErr: "starts with"},
		{name: "empty size", in: "\n#\nabc" + endChunks, wantErr: "starts with"},
		{name: "size ends in CR", in: "\n#3\r\nabc" + endChunks, wantErr: "not a number"},
		{name: "no newline before hash", in: "#3\nabc" + endChunks, wantErr: "starts with"},
		{name: "no hash", in: "\n3\nabc" + endChunks, wantErr: "starts with"},
		{name: "no hash in second chunk", in: chunk("ab") + "\n3\nabc" + endChunks, wantErr: "lacks '#'"},
		{name: "end marker only", in: endChunks, wantErr: "before any chunk"},
		{name: "missing terminator", in: chunk("abc"), wantErr: "unexpected EOF"},
		{name: "truncated terminator", in: chunk("abc") + "\n#", wantErr: "unexpected EOF"},
		{name: "bad terminator", in: chunk("abc") + "\n##x", wantErr: "followed by"},
		{name: "junk after chunk", in: chunk("abc") + "x" + endChunks, wantErr: "starts with"},
		{name: "short chunk", in: "\n#10\nabc", wantErr: "short chunk"},
		{name: "eom framing", in: "<ok/>]]>]]>", wantErr: "starts with"},
	}
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"half", iotest.HalfReader},
		{"one byte", iotest.OneByteReader}, // splits every header at every position
	}
	for _, tc := range tests {
		for _, rd := range readers {
			t.Run(tc.name+"/"+rd.name, func(t *testing.T) {
				if rd.name == "one byte" && len(tc.in) > 100000 {
					t.Skip("too slow byte by byte")
				}
				max := tc.max
				if max == 0 {
					max = 4 << 20
				}
				got, err := readAllChunked(rd.wrap(strings.NewReader(tc.in)), max)
				if tc.wantErr != "" {
					if err == nil || !errors.Is(err, errFraming) || !strings.Contains(err.Error(), tc.wantErr) {
						t.Fatalf("err = %v, want a framing error containing %q", err, tc.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if len(got) != len(tc.want) {
					t.Fatalf("got %d messages %.80q, want %d", len(got), got, len(tc.want))
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Errorf("message %d = %.80q, want %.80q", i, got[i], tc.want[i])
					}
				}
			})
		}
	}
}

func TestWriteChunked(t *testing.T) {
	if err := writeChunked(io.Discard, nil); !errors.Is(err, errFraming) {
		t.Errorf("empty message: err = %v, want a framing error", err)
	}
	var small bytes.Buffer
	if err := writeChunked(&small, []byte("<rpc/>")); err != nil {
		t.Fatal(err)
	}
	if got, want := small.String(), "\n#6\n<rpc/>\n##\n"; got != want {
		t.Errorf("small message framed as %q, want %q", got, want)
	}
	for _, size := range []int{1, 4095, 4096, maxChunkSize - 1, maxChunkSize, maxChunkSize + 1, 3*maxChunkSize + 7} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			msg := bytes.Repeat([]byte("<x/>"), size/4+1)[:size]
			var buf bytes.Buffer
			if err := writeChunked(&buf, msg); err != nil {
				t.Fatal(err)
			}
			wantChunks := (size + maxChunkSize - 1) / maxChunkSize
			if n := bytes.Count(buf.Bytes(), []byte("\n#")) - 1; n != wantChunks {
				t.Errorf("%d chunks, want %d", n, wantChunks)
			}
			got, err := readChunked(bufio.NewReader(iotest.HalfReader(&buf)), size)
			if err != nil || !bytes.Equal(got, msg) {
				t.Errorf("round trip: %d bytes, %v", len(got), err)
			}
		})
	}
}

func TestReadEOM(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		max     int
		want    []string
		wantErr bool
	}{
		{name: "two", in: "<a/>]]>]]><b/>]]>]]>", want: []string{"<a/>", "<b/>"}},
		{name: "partial delimiter inside", in: "<a>]]>]]</a>]]>]]>", want: []string{"<a>]]>]]</a>"}},
		{name: "truncated", in: "<a/>]]>]]", wantErr: true},
		{name: "oversize", in: strings.Repeat("x", 100) + "]]>]]>", max: 50, wantErr: true},
		{name: "oversize without gt", in: strings.Repeat("x", 100), max: 50, wantErr: true},
	}
	for _, tc := range tests {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tc.in)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			max := tc.max
			if max == 0 {
				max = 1 << 20
			}
			br := bufio.NewReaderSize(r, 16)
			var got []string
			var err error
			for {
				var m []byte
				if m, err = readEOM(br, max); err != nil {
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
			if !tc.wantErr && strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("%s (one byte %v): got %q, want %q", tc.name, oneByte, got, tc.want)
			}
		}
	}
}

func TestWriteEOMKeepsDelimiterOffBoundary(t *testing.T) {
	for size := 4080; size < 4100; size++ {
		var buf bytes.Buffer
		if err := writeEOM(&buf, bytes.Repeat([]byte("x"), size)); err != nil {
			t.Fatal(err)
		}
		end := buf.Len()
		if !bytes.HasSuffix(buf.Bytes(), []byte(eomDelimiter)) {
			t.Fatalf("size %d: no delimiter at the end", size)
		}
		if start := end - len(eomDelimiter); start/4096 != (end-1)/4096 {
			t.Errorf("size %d: delimiter spans bytes %d..%d across a 4096-byte boundary", size, start, end)
		}
	}
}

// serverHello returns an EOM-framed server hello with the given capabilities.
func serverHello(t *testing.T, caps ...string) string {
	t.Helper()
	b, err := xml.Marshal(&netconf.HelloMessage{Capabilities: caps, SessionID: 42})
	if err != nil {
		t.Fatal(err)
	}
	return xml.Header + string(b) + eomDelimiter
}

// TestHelloNegotiation drives the transport through netconf.NewSession, as the client does,
// and checks the client hello, the framing chosen and the framing of the next request.
func TestHelloNegotiation(t *testing.T) {
	tests := []struct {
		name       string
		server     string // raw bytes the server sends first
		disable11  bool
		wantOffer  bool // client hello lists base:1.1
		wantFrame  Framing
		wantHelloE bool
	}{
		{name: "both offer 1.1", server: "SERVER11", wantOffer: true, wantFrame: FramingChunked},
		{name: "server offers 1.0 only", server: "SERVER10", wantOffer: true, wantFrame: FramingEOM},
		{name: "client disables 1.1", server: "SERVER11", disable11: true, wantFrame: FramingEOM},
		{name: "hello without namespace", server: `<hello><capabilities><capability>` + capBase11 + `</capability></capabilities><session-id>1</session-id></hello>` + eomDelimiter,
			wantOffer: true, wantFrame: FramingEOM, wantHelloE: true},
		{name: "no hello", server: "", wantOffer: true, wantFrame: FramingEOM, wantHelloE: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.server
			switch in {
			case "SERVER11":
				in = serverHello(t, capBase10, capBase11)
			case "SERVER10":
				in = serverHello(t, capBase10)
			}
			var out bytes.Buffer
			tr := &sshTransport{
				opts: transportOptions{maxMsg: 1 << 20, disableBase11: tc.disable11},
				r:    bufio.NewReader(iotest.OneByteReader(strings.NewReader(in))),
				w:    &out,
			}
			before := append([]string(nil), netconf.DefaultCapabilities...)
			s := netconf.NewSession(tr)
			if got := netconf.DefaultCapabilities; strings.Join(got, " ") != strings.Join(before, " ") {
				t.Errorf("netconf.DefaultCapabilities changed to %v", got)
			}
			if (tr.helloErr != nil) != tc.wantHelloE {
				t.Errorf("hello error %v, want error %v", tr.helloErr, tc.wantHelloE)
			}
			if !tc.wantHelloE && s.SessionID != 42 {
				t.Errorf("SessionID = %d, want 42", s.SessionID)
			}
			hello := out.String()
			if !strings.HasSuffix(hello, eomDelimiter) {
				t.Fatalf("client hello not EOM-framed: %q", hello)
			}
			var h netconf.HelloMessage
			if err := xml.Unmarshal([]byte(strings.TrimSuffix(hello, eomDelimiter)), &h); err != nil {
				t.Fatalf("client hello %q: %v", hello, err)
			}
			offer := false
			for _, c := range h.Capabilities {
				offer = offer || c == capBase11
			}
			if offer != tc.wantOffer || h.Capabilities[0] != capBase10 || h.SessionID != 0 {
				t.Errorf("client hello capabilities %v session-id %d; want base:1.0 first, base:1.1 %v, no session-id", h.Capabilities, h.SessionID, tc.wantOffer)
			}
			if tr.Framing() != tc.wantFrame {
				t.Errorf("framing %q, want %q", tr.Framing(), tc.wantFrame)
			}
			out.Reset()
			if err := tr.Send([]byte("<rpc/>")); err != nil {
				t.Fatal(err)
			}
			want := "<rpc/>" + eomDelimiter
			if tc.wantFrame == FramingChunked {
				want = "\n#6\n<rpc/>\n##\n"
			}
			if out.String() != want {
				t.Errorf("request framed as %q, want %q", out.String(), want)
			}
		})
	}
}

// TestSendHelloDisableBase11 checks that DisableBase11 wins even over capabilities passed in
// (go-netconf passes netconf.DefaultCapabilities, which a program might have extended).
func TestSendHelloDisableBase11(t *testing.T) {
	var out bytes.Buffer
	tr := &sshTransport{opts: transportOptions{disableBase11: true}, w: &out, serverBase11: true}
	if err := tr.SendHello(&netconf.HelloMessage{Capabilities: []string{capBase10, capBase11, "urn:x"}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), capBase11) || !strings.Contains(out.String(), "urn:x") {
		t.Errorf("client hello %q: want urn:x and no base:1.1", out.String())
	}
	if tr.Framing() != FramingEOM {
		t.Errorf("framing %q, want %q", tr.Framing(), FramingEOM)
	}
}

// FuzzChunkedReader checks that no input crashes the chunked reader or makes it return more
// than its bound, that splitting the input into one-byte reads changes nothing (chunk headers
// split across reads), and that every message it accepts survives a write/read round trip.
func FuzzChunkedReader(f *testing.F) {
	for _, s := range []string{
		"\n#6\n<rpc/>\n##\n",
		"\n#3\n<rp\n#3\nc/>\n##\n",
		"\n#4\n<a/>\n##\n\n#4\n<b/>\n##\n",
		"\n#7\n\n##\n<a>\n##\n",
		"\n##\n", "\n#0\n", "\n#06\n<rpc/>\n##\n", "\n#4294967295\n", "\n#4294967296\n",
		"\n#99999999999\n", "#3\nabc\n##\n", "\n#3\nabc", "\n#3\nabc\n##x", " \n#1\nx\n##\n",
		"<rpc/>]]>]]>",
	} {
		f.Add([]byte(s))
	}
	const max = 1 << 12
	f.Fuzz(func(t *testing.T, in []byte) {
		whole, errWhole := readAllChunked(bytes.NewReader(in), max)
		split, errSplit := readAllChunked(iotest.OneByteReader(bytes.NewReader(in)), max)
		if (errWhole == nil) != (errSplit == nil) || strings.Join(whole, "\x00|") != strings.Join(split, "\x00|") {
			t.Fatalf("one-byte reads differ: %q, %v vs %q, %v", split, errSplit, whole, errWhole)
		}
		if errWhole != nil && !errors.Is(errWhole, errFraming) {
			t.Fatalf("error %v is not a framing error", errWhole)
		}
		for _, m := range whole {
			if len(m) == 0 || len(m) > max {
				t.Fatalf("message of %d bytes accepted (max %d)", len(m), max)
			}
			var buf bytes.Buffer
			if err := writeChunked(&buf, []byte(m)); err != nil {
				t.Fatal(err)
			}
			back, err := readChunked(bufio.NewReader(&buf), max)
			if err != nil || string(back) != m {
				t.Fatalf("round trip of %q: %q, %v", m, back, err)
			}
		}
	})
}
