package junos

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Juniper/go-netconf/netconf"
	"golang.org/x/crypto/ssh"
)

// This file extends go-netconf around a gap: go-netconf v0.1.1 speaks only the base:1.0
// end-of-message framing of RFC 6242. Its client hello is built from the package global
// netconf.DefaultCapabilities (base:1.0 only) and its TransportSSH only knows "]]>]]>", so a
// server never switches to the chunked framing of base:1.1 with it. sshTransport replaces
// TransportSSH: it implements netconf.Transport, so netconf.NewSession still drives the hello
// exchange and Session.Exec still builds requests and parses replies, but the transport offers
// base:1.1 in its own hello (without mutating DefaultCapabilities) and switches both directions
// to chunked framing once both hellos list it. It also replaces DialSSHTimeout, whose
// deadline-per-I/O connection and keepalives it reproduces, and bounds the size of a reply,
// which go-netconf does not.

const (
	capBase10 = "urn:ietf:params:netconf:base:1.0"
	capBase11 = "urn:ietf:params:netconf:base:1.1"

	// eomDelimiter ends every base:1.0 message and every hello (RFC 6242 §4.3).
	eomDelimiter = "]]>]]>"

	// maxChunkSize is the largest chunk the writer emits. Receivers accept any size up to
	// 4294967295; smaller chunks only keep single writes moderate.
	maxChunkSize = 64 << 10

	// maxChunkLen is the largest chunk-size RFC 6242 §4.2 allows.
	maxChunkLen = 4294967295

	// defaultMaxReply bounds one inbound message when Config.MaxReplyBytes is not set.
	defaultMaxReply = 64 << 20
)

// errFraming marks a malformed NETCONF frame; the session cannot be used after it.
var errFraming = errors.New("netconf framing error")

// Framing names the negotiated message framing of a session.
type Framing string

const (
	// FramingEOM is base:1.0 end-of-message framing ("]]>]]>").
	FramingEOM Framing = "base:1.0 end-of-message"
	// FramingChunked is base:1.1 chunked framing.
	FramingChunked Framing = "base:1.1 chunked"
)

// transportOptions tune an sshTransport.
type transportOptions struct {
	// timeout is the deadline of every read and write on the connection, and twice the
	// keepalive interval, as with netconf.DialSSHTimeout.
	timeout time.Duration
	// maxMsg bounds one inbound message.
	maxMsg int
	// disableBase11 keeps base:1.1 out of the client hello, so the session stays on EOM.
	disableBase11 bool
}

// sshTransport is a netconf.Transport over the "netconf" subsystem of an SSH session that
// speaks both RFC 6242 framings. It starts in end-of-message framing (the hello is always
// EOM) and SendHello switches it to chunked framing when both sides offered base:1.1.
// Send and Receive are called by one goroutine at a time (Session.Exec); Close may be called
// concurrently to abort a call.
type sshTransport struct {
	opts   transportOptions
	client *ssh.Client
	sess   *ssh.Session
	r      *bufio.Reader
	w      io.Writer

	// Set during the hello exchange, read after it by the goroutine that dialled.
	serverBase11 bool
	chunked      bool
	helloErr     error // why the hello exchange failed; NewSession discards it

	closeOnce sync.Once
	closeErr  error
}

var _ netconf.Transport = (*sshTransport)(nil)

// dialSession connects to addr, opens the netconf subsystem and exchanges hellos through
// netconf.NewSession. The returned session's Transport is the *sshTransport.
func dialSession(addr string, cfg *ssh.ClientConfig, o transportOptions) (*netconf.Session, *sshTransport, error) {
	if o.maxMsg <= 0 {
		o.maxMsg = defaultMaxReply
	}
	bare, err := net.DialTimeout("tcp", addr, o.timeout)
	if err != nil {
		return nil, nil, err
	}
	conn := net.Conn(bare)
	if o.timeout > 0 {
		conn = &deadlineConn{Conn: bare, timeout: o.timeout}
	}
	cc, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		bare.Close()
		return nil, nil, err
	}
	t := &sshTransport{opts: o, client: ssh.NewClient(cc, chans, reqs)}
	if err := t.openSubsystem(); err != nil {
		t.Close()
		return nil, nil, err
	}
	if o.timeout > 0 {
		go t.keepalive(o.timeout / 2)
	}
	s := netconf.NewSession(t)
	return s, t, nil
}

// openSubsystem opens the SSH session channel and requests the netconf subsystem
// (RFC 6242 §3).
func (t *sshTransport) openSubsystem() error {
	sess, err := t.client.NewSession()
	if err != nil {
		return fmt.Errorf("ssh session: %w", err)
	}
	t.sess = sess
	w, err := sess.StdinPipe()
	if err != nil {
		return fmt.Errorf("ssh session stdin: %w", err)
	}
	r, err := sess.StdoutPipe()
	if err != nil {
		return fmt.Errorf("ssh session stdout: %w", err)
	}
	if err := sess.RequestSubsystem("netconf"); err != nil {
		return fmt.Errorf("netconf subsystem: %w", err)
	}
	t.r = bufio.NewReaderSize(r, 32<<10)
	t.w = w
	return nil
}

// keepalive sends SSH keepalives so that an idle session outlives the per-read deadline,
// as netconf.DialSSHTimeout does (it names the request KEEP_ALIVE; OpenSSH's name is used
// here, and any reply, even a refusal, proves the peer alive). It ends when the connection
// does.
func (t *sshTransport) keepalive(every time.Duration) {
	if every <= 0 {
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for range tick.C {
		if _, _, err := t.client.SendRequest("keepalive@openssh.com", true, nil); err != nil {
			return
		}
	}
}

// Framing reports the framing in use after the hello exchange.
func (t *sshTransport) Framing() Framing {
	if t.chunked {
		return FramingChunked
	}
	return FramingEOM
}

// ReceiveHello reads the server's hello, which is always EOM-framed. It returns a non-nil
// hello even on error, because netconf.NewSession reads its fields regardless.
func (t *sshTransport) ReceiveHello() (*netconf.HelloMessage, error) {
	hello := new(netconf.HelloMessage)
	msg, err := readEOM(t.r, t.opts.maxMsg)
	if err != nil {
		t.helloErr = fmt.Errorf("reading the server hello: %w", err)
		return hello, t.helloErr
	}
	if err := xml.Unmarshal(msg, hello); err != nil {
		t.helloErr = fmt.Errorf("parsing the server hello: %w", err)
		return hello, t.helloErr
	}
	for _, c := range hello.Capabilities {
		if strings.TrimSpace(c) == capBase11 {
			t.serverBase11 = true
		}
	}
	return hello, nil
}

// SendHello sends the client hello. It keeps the capabilities go-netconf passes (built from
// netconf.DefaultCapabilities) and adds base:1.1 unless disabled; after the hello, both
// directions switch to chunked framing if the server offered base:1.1 too (RFC 6242 §4.1).
func (t *sshTransport) SendHello(h *netconf.HelloMessage) error {
	caps := []string{capBase10}
	if h != nil {
		for _, c := range h.Capabilities {
			if !slices.Contains(caps, c) && (c != capBase11 || !t.opts.disableBase11) {
				caps = append(caps, c)
			}
		}
	}
	if !t.opts.disableBase11 && !slices.Contains(caps, capBase11) {
		caps = append(caps, capBase11)
	}
	b, err := xml.Marshal(&netconf.HelloMessage{Capabilities: caps})
	if err != nil {
		t.helloErr = fmt.Errorf("encoding the client hello: %w", err)
		return t.helloErr
	}
	if err := writeEOM(t.w, append([]byte(xml.Header), b...)); err != nil {
		t.helloErr = fmt.Errorf("sending the client hello: %w", err)
		return t.helloErr
	}
	t.chunked = !t.opts.disableBase11 && t.serverBase11 && t.helloErr == nil
	return nil
}

// Send writes one message in the negotiated framing.
func (t *sshTransport) Send(msg []byte) error {
	if t.chunked {
		return writeChunked(t.w, msg)
	}
	return writeEOM(t.w, msg)
}

// Receive reads one message in the negotiated framing.
func (t *sshTransport) Receive() ([]byte, error) {
	if t.chunked {
		return readChunked(t.r, t.opts.maxMsg)
	}
	return readEOM(t.r, t.opts.maxMsg)
}

// Close closes the SSH session and connection; it unblocks a pending Receive.
func (t *sshTransport) Close() error {
	t.closeOnce.Do(func() {
		if t.sess != nil {
			t.sess.Close()
		}
		if err := t.client.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			t.closeErr = err
		}
	})
	return t.closeErr
}

// deadlineConn puts a deadline on every read and write, as go-netconf's unexported one of
// DialSSHTimeout does, so a silent server cannot hang a session forever.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	_ = c.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(b)
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	_ = c.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(b)
}

// readEOM reads one end-of-message framed message of at most max bytes. The delimiter may
// arrive split across reads; bytes after it stay buffered for the next message.
func readEOM(r *bufio.Reader, max int) ([]byte, error) {
	var msg []byte
	for {
		part, err := r.ReadSlice('>')
		msg = append(msg, part...)
		if len(msg) > max+len(eomDelimiter) {
			return nil, fmt.Errorf("%w: message exceeds %d bytes", errFraming, max)
		}
		switch {
		case err == nil || errors.Is(err, bufio.ErrBufferFull):
			if bytes.HasSuffix(msg, []byte(eomDelimiter)) {
				return msg[:len(msg)-len(eomDelimiter)], nil
			}
		case errors.Is(err, io.EOF):
			if len(bytes.TrimSpace(msg)) == 0 {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("%w: end of stream inside a message", errFraming)
		default:
			return nil, err
		}
	}
}

// writeEOM writes msg and the end-of-message delimiter in one write. Like go-netconf, it pads
// with spaces so the delimiter never straddles a 4096-byte boundary, which some servers'
// delimiter search misses.
func writeEOM(w io.Writer, msg []byte) error {
	out := make([]byte, 0, len(msg)+len(eomDelimiter)+6)
	out = append(out, msg...)
	if (len(msg)+len(eomDelimiter))%4096 < len(eomDelimiter) {
		out = append(out, "      "...)
	}
	out = append(out, eomDelimiter...)
	_, err := w.Write(out)
	return err
}

// readChunked reads one chunked message (RFC 6242 §4.2): one or more chunks
// "\n#<len>\n<len bytes>", then "\n##\n". len is 1..4294967295 without leading zeros. The
// message may be at most max bytes; data is buffered as it arrives, so a chunk header that
// claims more than the server sends costs no memory. Whitespace before a message's first
// chunk header is tolerated. io.EOF is returned only at a message boundary.
func readChunked(r *bufio.Reader, max int) ([]byte, error) {
	var msg []byte
	for first := true; ; first = false {
		c, err := r.ReadByte()
		if first {
			// Skip whitespace between messages; the last byte before '#' must be '\n'.
			for err == nil && (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
				var next byte
				if next, err = r.ReadByte(); err == nil && next == '#' && c == '\n' {
					if err := r.UnreadByte(); err != nil {
						return nil, err
					}
					break
				}
				c = next
			}
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%w: reading chunk header: %w", errFraming, eofUnexpected(err))
		}
		if c != '\n' {
			return nil, fmt.Errorf("%w: chunk header starts with %q, want '\\n'", errFraming, c)
		}
		if c, err = r.ReadByte(); err != nil {
			return nil, fmt.Errorf("%w: reading chunk header: %w", errFraming, eofUnexpected(err))
		}
		if c != '#' {
			return nil, fmt.Errorf("%w: chunk header lacks '#' (got %q)", errFraming, c)
		}
		n, end, err := readChunkSize(r)
		if err != nil {
			return nil, err
		}
		if end {
			if first {
				return nil, fmt.Errorf("%w: end-of-chunks marker before any chunk", errFraming)
			}
			return msg, nil
		}
		if uint64(len(msg))+n > uint64(max) {
			return nil, fmt.Errorf("%w: message exceeds %d bytes", errFraming, max)
		}
		for n > 0 {
			step := min(n, maxChunkSize)
			start := len(msg)
			msg = append(msg, make([]byte, step)...)
			if _, err := io.ReadFull(r, msg[start:]); err != nil {
				return nil, fmt.Errorf("%w: short chunk: %w", errFraming, eofUnexpected(err))
			}
			n -= step
		}
	}
}

// readChunkSize reads what follows "\n#": either "#\n" (end of chunks, end is true) or a
// chunk size and its '\n'.
func readChunkSize(r *bufio.Reader) (n uint64, end bool, err error) {
	c, err := r.ReadByte()
	if err != nil {
		return 0, false, fmt.Errorf("%w: reading chunk size: %w", errFraming, eofUnexpected(err))
	}
	if c == '#' {
		if c, err = r.ReadByte(); err != nil {
			return 0, false, fmt.Errorf("%w: reading end of chunks: %w", errFraming, eofUnexpected(err))
		}
		if c != '\n' {
			return 0, false, fmt.Errorf("%w: end-of-chunks marker followed by %q, want '\\n'", errFraming, c)
		}
		return 0, true, nil
	}
	if c < '1' || c > '9' {
		return 0, false, fmt.Errorf("%w: chunk size starts with %q", errFraming, c)
	}
	digits := []byte{c}
	for {
		if c, err = r.ReadByte(); err != nil {
			return 0, false, fmt.Errorf("%w: reading chunk size: %w", errFraming, eofUnexpected(err))
		}
		if c == '\n' {
			break
		}
		if c < '0' || c > '9' {
			return 0, false, fmt.Errorf("%w: chunk size %s%q is not a number", errFraming, digits, c)
		}
		if len(digits) >= len("4294967295") {
			return 0, false, fmt.Errorf("%w: chunk size %s… is too large", errFraming, digits)
		}
		digits = append(digits, c)
	}
	n, err = strconv.ParseUint(string(digits), 10, 64)
	if err != nil || n > maxChunkLen {
		return 0, false, fmt.Errorf("%w: chunk size %s out of range 1..%d", errFraming, digits, uint64(maxChunkLen))
	}
	return n, false, nil
}

// eofUnexpected turns io.EOF inside a message into io.ErrUnexpectedEOF.
func eofUnexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// writeChunked writes msg as chunks of at most maxChunkSize bytes and the end-of-chunks
// marker, in one write. An empty message cannot be framed (a chunk has at least one byte).
func writeChunked(w io.Writer, msg []byte) error {
	if len(msg) == 0 {
		return fmt.Errorf("%w: cannot send an empty message", errFraming)
	}
	out := make([]byte, 0, len(msg)+(len(msg)/maxChunkSize+1)*16+4)
	for len(msg) > 0 {
		n := min(len(msg), maxChunkSize)
		out = append(out, "\n#"...)
		out = strconv.AppendInt(out, int64(n), 10)
		out = append(out, '\n')
		out = append(out, msg[:n]...)
		msg = msg[n:]
	}
	out = append(out, "\n##\n"...)
	_, err := w.Write(out)
	return err
}
