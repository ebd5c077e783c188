package sim

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// eom is the base:1.0 end-of-message delimiter (RFC 6242 §4.3).
const eom = "]]>]]>"

// maxMessage bounds one inbound message so a broken or hostile client cannot exhaust memory.
const maxMessage = 64 << 20

// ErrFraming reports a malformed NETCONF frame.
var ErrFraming = errors.New("netconf framing error")

// Framer reads and writes NETCONF messages in end-of-message (base:1.0) or chunked (base:1.1)
// framing. The switch to chunked framing happens after the hello exchange, when both sides
// advertised base:1.1; SetChunked flips it.
type Framer struct {
	r       *bufio.Reader
	w       io.Writer
	chunked bool
	max     int
}

// NewFramer returns a framer in end-of-message mode reading r and writing w.
func NewFramer(r io.Reader, w io.Writer) *Framer {
	return &Framer{r: bufio.NewReaderSize(r, 16<<10), w: w, max: maxMessage}
}

// SetChunked switches both directions to chunked framing.
func (f *Framer) SetChunked(on bool) { f.chunked = on }

// Chunked reports whether chunked framing is in use.
func (f *Framer) Chunked() bool { return f.chunked }

// ReadMsg returns the next message without its framing. Delimiters may arrive split across any
// number of reads. io.EOF is returned only at a clean message boundary.
func (f *Framer) ReadMsg() ([]byte, error) {
	if f.chunked {
		return f.readChunked()
	}
	return f.readEOM()
}

func (f *Framer) readEOM() ([]byte, error) {
	var buf []byte
	for {
		part, err := f.r.ReadSlice('>')
		buf = append(buf, part...)
		if len(buf) > f.max {
			return nil, fmt.Errorf("%w: message exceeds %d bytes", ErrFraming, f.max)
		}
		if err == nil || errors.Is(err, bufio.ErrBufferFull) {
			if bytes.HasSuffix(buf, []byte(eom)) {
				return buf[:len(buf)-len(eom)], nil
			}
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(bytes.TrimSpace(buf)) == 0 {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("%w: end of stream inside a message", ErrFraming)
		}
		return nil, err
	}
}

func (f *Framer) readChunked() ([]byte, error) {
	var msg []byte
	first := true
	for {
		// Each chunk header is "\n#<len>\n"; the end of message is "\n##\n".
		c, err := f.r.ReadByte()
		if err != nil {
			if first && errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("%w: reading chunk header: %v", ErrFraming, err)
		}
		// Tolerate whitespace between messages (some clients send a newline after a frame).
		if first && c != '\n' && (c == ' ' || c == '\r' || c == '\t') {
			continue
		}
		if c != '\n' {
			return nil, fmt.Errorf("%w: chunk header starts with %q, want '\\n'", ErrFraming, c)
		}
		if c, err = f.r.ReadByte(); err != nil || c != '#' {
			if first && err == nil && c == '\n' {
				// Blank line between messages; keep looking for the header.
				if err := f.r.UnreadByte(); err != nil {
					return nil, err
				}
				continue
			}
			return nil, fmt.Errorf("%w: chunk header lacks '#'", ErrFraming)
		}
		first = false
		c, err = f.r.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("%w: reading chunk size: %v", ErrFraming, err)
		}
		if c == '#' {
			if c, err = f.r.ReadByte(); err != nil || c != '\n' {
				return nil, fmt.Errorf("%w: end-of-chunks marker not followed by '\\n'", ErrFraming)
			}
			return msg, nil
		}
		if c < '1' || c > '9' {
			return nil, fmt.Errorf("%w: chunk size starts with %q", ErrFraming, c)
		}
		digits := []byte{c}
		for {
			c, err = f.r.ReadByte()
			if err != nil {
				return nil, fmt.Errorf("%w: reading chunk size: %v", ErrFraming, err)
			}
			if c == '\n' {
				break
			}
			if c < '0' || c > '9' || len(digits) >= 10 {
				return nil, fmt.Errorf("%w: bad chunk size", ErrFraming)
			}
			digits = append(digits, c)
		}
		n, err := strconv.ParseUint(string(digits), 10, 64)
		if err != nil || n > 4294967295 {
			return nil, fmt.Errorf("%w: chunk size %s out of range", ErrFraming, digits)
		}
		if len(msg)+int(n) > f.max {
			return nil, fmt.Errorf("%w: message exceeds %d bytes", ErrFraming, f.max)
		}
		start := len(msg)
		msg = append(msg, make([]byte, n)...)
		if _, err := io.ReadFull(f.r, msg[start:]); err != nil {
			return nil, fmt.Errorf("%w: short chunk: %v", ErrFraming, err)
		}
	}
}

// maxChunk is the largest chunk WriteMsg emits; receivers must accept any size, so this only
// keeps single writes moderate.
const maxChunk = 64 << 10

// WriteMsg writes one framed message.
func (f *Framer) WriteMsg(msg []byte) error {
	var out bytes.Buffer
	if f.chunked {
		for len(msg) > 0 {
			n := min(len(msg), maxChunk)
			fmt.Fprintf(&out, "\n#%d\n", n)
			out.Write(msg[:n])
			msg = msg[n:]
		}
		out.WriteString("\n##\n")
	} else {
		out.Write(msg)
		out.WriteString(eom)
	}
	_, err := f.w.Write(out.Bytes())
	return err
}
