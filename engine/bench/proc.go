package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is one process the bench started: a simulator or the server. Its stdout is read line
// by line (the banners say where it listens and, at exit, what it counted); its stderr goes to
// a log file.
type child struct {
	name string
	cmd  *exec.Cmd

	mu    sync.Mutex
	lines []string
	more  chan struct{} // closed and replaced whenever a line arrives
	eof   chan struct{} // closed when stdout ends

	exited bool
}

// startChild runs exe with args. env is added to the bench's environment; stderr goes to log.
func startChild(name, exe string, env []string, log io.Writer, args ...string) (*child, error) {
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = log
	// A bench killed hard must not leave simulators and a server behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %w", name, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, more: make(chan struct{}), eof: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			c.mu.Lock()
			c.lines = append(c.lines, sc.Text())
			close(c.more)
			c.more = make(chan struct{})
			c.mu.Unlock()
		}
		close(c.eof)
	}()
	return c, nil
}

// expect waits for the first line (from line from on) that match accepts and returns its
// index and text.
func (c *child) expect(ctx context.Context, from int, timeout time.Duration, match func(string) bool) (int, string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for i := from; ; {
		c.mu.Lock()
		for ; i < len(c.lines); i++ {
			if match(c.lines[i]) {
				l := c.lines[i]
				c.mu.Unlock()
				return i, l, nil
			}
		}
		more := c.more
		c.mu.Unlock()
		select {
		case <-more:
		case <-c.eof:
			c.mu.Lock()
			n := len(c.lines)
			c.mu.Unlock()
			if i >= n {
				return 0, "", fmt.Errorf("bench: %s exited before it was ready (see its log)", c.name)
			}
		case <-deadline.C:
			return 0, "", fmt.Errorf("bench: %s not ready after %s (see its log)", c.name, timeout)
		case <-ctx.Done():
			return 0, "", ctx.Err()
		}
	}
}

// output returns the lines read so far.
func (c *child) output() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

// stop interrupts the child (as Ctrl-C would: the server shuts down cleanly, the simulators
// print their counters) and waits for it, killing it after grace.
func (c *child) stop(grace time.Duration) error {
	if c.exited {
		return nil
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-c.eof:
	case <-t.C:
		_ = c.cmd.Process.Kill()
		<-c.eof
	}
	c.exited = true
	err := c.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() <= 0 {
		return nil // ended by the signal
	}
	if err != nil {
		return fmt.Errorf("bench: %s: %w", c.name, err)
	}
	return nil
}

// kill ends the child at once (cleanup after a failure).
func (c *child) kill() {
	if c.exited {
		return
	}
	_ = c.cmd.Process.Kill()
	<-c.eof
	_ = c.cmd.Wait()
	c.exited = true
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat times; 100 on every Linux that matters.
const clockTick = 100

// cpu is the CPU time (user + system) the child used so far: from /proc while it runs, from
// its rusage once it has exited.
func (c *child) cpu() time.Duration {
	if c.exited {
		return c.cmd.ProcessState.UserTime() + c.cmd.ProcessState.SystemTime()
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; the fields after its ')' are fixed.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTick
}

// peakRSS is the child's peak resident set in bytes: VmHWM while it runs, its rusage after.
func (c *child) peakRSS() int64 {
	if c.exited {
		if ru, ok := c.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			return ru.Maxrss * 1024 // Linux reports kilobytes
		}
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n * 1024
			}
		}
	}
	return 0
}
