package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"
)

// progress is the one-line progress display of a watched run. It draws on stderr only when
// stderr is a terminal (never into a pipe, a log file or the JSON a script parses), redraws in
// place without a goroutine, and done erases the line, so whatever is printed next (the result
// table on stdout, which shares the terminal) starts on a clean line.
//
// It replaces schollz/progressbar for runs: that bar with an unknown total left its last
// spinner frame on the line after Finish, which interleaved with the table printed next.
type progress struct {
	w     io.Writer // nil: draw nothing
	width int       // columns; lines are cut to width-1 so that they never wrap
	frame int
	drawn bool
}

// spinnerFrames are braille dots, one per redraw.
var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// terminal is a writer that knows whether it is a terminal and how wide (tests use one to
// stand in for a tty).
type terminal interface {
	Terminal() (ok bool, width int)
}

// newProgress returns a display on w when enabled and w is a terminal; otherwise one that
// draws nothing.
func newProgress(w io.Writer, enabled bool) *progress {
	if !enabled {
		return &progress{}
	}
	width := 0
	switch t := w.(type) {
	case terminal:
		ok, n := t.Terminal()
		if !ok {
			return &progress{}
		}
		width = n
	case *os.File:
		if !term.IsTerminal(int(t.Fd())) {
			return &progress{}
		}
		width, _, _ = term.GetSize(int(t.Fd()))
	default:
		return &progress{}
	}
	if width <= 0 {
		width = 80
	}
	return &progress{w: w, width: width}
}

// update redraws the line: a spinner frame, the text and the number of steps so far.
func (p *progress) update(text string, steps int) {
	if p.w == nil {
		return
	}
	line := fmt.Sprintf("%s %s (%d steps)", spinnerFrames[p.frame%len(spinnerFrames)], text, steps)
	p.frame++
	if max := p.width - 1; max > 0 && utf8.RuneCountInString(line) > max {
		r := []rune(line)
		line = string(r[:max])
	}
	// \r back to column 0, the line, then erase whatever a longer previous line left.
	fmt.Fprint(p.w, "\r"+line+"\x1b[K")
	p.drawn = true
}

// done erases the line. It is safe to call more than once.
func (p *progress) done() {
	if p.w == nil || !p.drawn {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[2K")
	p.drawn = false
}

// progressText is the description of a run's progress.
func progressText(id, step, phase string) string {
	if step == "" {
		return "run " + id
	}
	return strings.TrimSpace(fmt.Sprintf("run %s: %s %s", id, step, phase))
}
