package sim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/xprov/xprov/adapters/xmltree"
)

// Capabilities a Junos box advertises (both the urn:ietf:params:netconf and the legacy
// urn:ietf:params:xml:ns:netconf spellings, as Junos does).
var junosCaps = []string{
	"urn:ietf:params:netconf:base:1.0",
	"urn:ietf:params:netconf:capability:candidate:1.0",
	"urn:ietf:params:netconf:capability:confirmed-commit:1.0",
	"urn:ietf:params:netconf:capability:confirmed-commit:1.1",
	"urn:ietf:params:netconf:capability:validate:1.0",
	"urn:ietf:params:netconf:capability:validate:1.1",
	"urn:ietf:params:netconf:capability:rollback-on-error:1.0",
	"urn:ietf:params:netconf:capability:url:1.0?scheme=http,ftp,file",
	"urn:ietf:params:xml:ns:netconf:base:1.0",
	"urn:ietf:params:xml:ns:netconf:capability:candidate:1.0",
	"urn:ietf:params:xml:ns:netconf:capability:confirmed-commit:1.0",
	"urn:ietf:params:xml:ns:netconf:capability:validate:1.0",
	"urn:ietf:params:xml:ns:netconf:capability:rollback-on-error:1.0",
	"http://xml.juniper.net/netconf/junos/1.0",
	"http://xml.juniper.net/dmi/system/1.0",
}

const base11 = "urn:ietf:params:netconf:base:1.1"

func (d *Device) serve() {
	defer d.wg.Done()
	for {
		c, err := d.ln.Accept()
		if err != nil {
			return
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.handleConn(c)
		}()
	}
}

func (d *Device) handleConn(c net.Conn) {
	defer c.Close()
	if d.unreachable.Load() {
		return // a device that cannot be reached: the connection closes before SSH
	}
	// The handshake must not pin a goroutine forever on a client that never speaks.
	_ = c.SetDeadline(time.Now().Add(15 * time.Second))
	sc, chans, reqs, err := ssh.NewServerConn(c, d.sshCfg)
	if err != nil {
		return
	}
	_ = c.SetDeadline(time.Time{})
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-d.closing:
			sc.Close()
		case <-stop:
		}
	}()
	var wg sync.WaitGroup
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.handleChannel(sc, ch, creqs)
		}()
	}
	wg.Wait()
}

// handleChannel serves one session channel: only the netconf subsystem is offered.
func (d *Device) handleChannel(sc *ssh.ServerConn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	started := false
	done := make(chan struct{})
	for req := range reqs {
		switch req.Type {
		case "subsystem":
			name := ""
			if len(req.Payload) >= 4 {
				n := binary.BigEndian.Uint32(req.Payload)
				if int(n) <= len(req.Payload)-4 {
					name = string(req.Payload[4 : 4+n])
				}
			}
			if name != "netconf" || started {
				_ = req.Reply(false, nil)
				continue
			}
			started = true
			_ = req.Reply(true, nil)
			go func() {
				defer close(done)
				d.runSession(sc, ch)
				_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
				ch.Close()
			}()
		case "env":
			_ = req.Reply(true, nil)
		default: // shell, exec, pty-req, ...
			_ = req.Reply(false, nil)
		}
	}
	if started {
		<-done
	}
}

// session is one NETCONF session.
type session struct {
	id      int
	user    string
	dev     *Device
	ch      ssh.Channel
	fr      *Framer
	private *cnode // open-configuration private copy
	once    sync.Once
	killed  chan struct{}
}

func (s *session) kill() {
	s.once.Do(func() {
		close(s.killed)
		if s.ch != nil { // nil for sessions tests drive without SSH
			s.ch.Close()
		}
	})
}

func (d *Device) runSession(sc *ssh.ServerConn, ch ssh.Channel) {
	s := &session{id: int(sessionIDs.Add(1)), user: sc.User(), dev: d, ch: ch, fr: NewFramer(ch, ch), killed: make(chan struct{})}
	d.mu.Lock()
	select {
	case <-d.closing:
		d.mu.Unlock()
		return
	default:
	}
	d.sessions[s.id] = s
	d.mu.Unlock()
	defer d.endSession(s)

	caps := junosCaps
	if !d.opts.DisableBase11 {
		caps = append(append([]string(nil), caps...), base11)
	}
	hello := &xmltree.Node{Name: xmlName(nsBase, "hello")}
	cl := el("capabilities")
	for _, c := range caps {
		cl.Add(tx("capability", c))
	}
	hello.Add(cl, tx("session-id", strconv.Itoa(s.id)))
	if d.opts.HelloWithoutNamespace {
		hello.Name.Space = ""
	}
	if err := s.fr.WriteMsg(append([]byte(xmlDecl), marshal(hello)...)); err != nil {
		return
	}
	msg, err := s.fr.ReadMsg()
	if err != nil {
		return
	}
	ch11, err := parseClientHello(msg)
	if err != nil {
		return // RFC 6241 §8.1: a bad client hello ends the session
	}
	s.fr.SetChunked(ch11 && !d.opts.DisableBase11)
	for {
		msg, err := s.fr.ReadMsg()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				var fe bool = errors.Is(err, ErrFraming)
				if fe {
					_ = s.fr.WriteMsg(errorReply(nil, editError{tag: "malformed-message", severity: "error", message: err.Error()}, "rpc"))
				}
			}
			return
		}
		if lat := time.Duration(d.latency.Load()); lat > 0 {
			select {
			case <-time.After(lat):
			case <-s.killed:
				return
			case <-d.closing:
				return
			}
		}
		if name := d.dropNextRPC.Load(); name != nil && rpcOperation(msg) == *name && d.dropNextRPC.CompareAndSwap(name, nil) {
			return
		}
		reply, action := s.handle(msg)
		if action == actDrop {
			return
		}
		if err := s.fr.WriteMsg(reply); err != nil {
			return
		}
		if action == actClose {
			return
		}
	}
}

// rpcOperation returns the name of an RPC's operation element (the first child of <rpc>), ""
// when msg is not an RPC.
func rpcOperation(msg []byte) string {
	e, err := parseElem(bytes.TrimSpace(msg))
	if err != nil || e.Name.Local != "rpc" || len(e.Children) == 0 {
		return ""
	}
	return e.Children[0].Name.Local
}

const xmlDecl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// parseClientHello checks the client's hello and reports whether it offers base:1.1.
func parseClientHello(msg []byte) (bool, error) {
	e, err := parseElem(bytes.TrimSpace(msg))
	if err != nil {
		return false, err
	}
	if e.Name.Local != "hello" {
		return false, fmt.Errorf("expected hello, got %s", e.Name.Local)
	}
	if e.Child("session-id") != nil {
		return false, errors.New("client hello carries a session-id")
	}
	b11 := false
	for _, c := range e.Child("capabilities").Children {
		if strings.TrimSpace(c.Text) == base11 {
			b11 = true
		}
	}
	return b11, nil
}

// endSession releases what the session held: its lock, discarding uncommitted changes, as
// Junos does. A confirmed commit the session made stays pending until its deadline, as Junos
// documents it (the automatic rollback happens "after the rollback deadline passes"; nothing
// says the session's end rolls it back, unlike RFC 6241 §8.4.1): a later commit from any
// session confirms it, `rollback 1` and a commit undo it.
func (d *Device) endSession(s *session) {
	s.kill()
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.sessions, s.id)
	if d.lockHolder == s.id {
		d.lockHolder = 0
		d.candidate = d.running
	}
}

// rollbackPendingLocked undoes the pending confirmed commit.
func (d *Device) rollbackPendingLocked(why string) {
	p := d.pending
	p.timer.Stop()
	d.pending = nil
	d.commitLocked(p.prior, p.priorValid, "rollback", "root", "automatic rollback: "+why)
	d.candidate = d.running
}
