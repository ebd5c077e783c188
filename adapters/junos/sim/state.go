package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The state file keeps a fleet's running configurations across restarts (FleetOptions.
// StateFile), so that a restarted demo finds on its devices what its store says it put there.
// A commit only marks the fleet dirty (constant cost, whatever the configuration's size); a
// background saver writes every device's running configuration as set lines, at most every
// saveEvery, to a temporary file renamed over the state file, and once more when the fleet
// closes. A crash loses at most the last saveEvery of commits.

const saveEvery = 200 * time.Millisecond

// stateFile is the file's content.
type stateFile struct {
	Version int                 `json:"version"`
	Devices map[string][]string `json:"devices"` // device name -> running configuration as set lines
}

// readState reads a state file; a missing file (or no file) is an empty state.
func readState(file string) (map[string][]string, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sim: state file: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("sim: state file %s: %w", file, err)
	}
	if st.Version != 1 {
		return nil, fmt.Errorf("sim: state file %s: version %d, want 1", file, st.Version)
	}
	return st.Devices, nil
}

// restore makes lines the running configuration (a restart of the device with its saved
// configuration); it is checked like any load.
func (d *Device) restore(lines []string) error {
	ed, errs := parseSetLines(joinLines(lines))
	errs = append(errs, modelEdit(ed)...)
	for _, e := range errs {
		if e.severity != "warning" {
			return fmt.Errorf("%s: %s %s %s", d.opts.Name, e.path, e.message, e.bad)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var eerrs []editError
	t := edit(&cnode{name: "configuration"}, ed, "merge", nil, &eerrs)
	d.commitLocked(t, !hasErrors(checkConfig(t)), "cli", "root", "restored from the state file")
	d.candidate = d.running
	return nil
}

func joinLines(lines []string) string {
	n := 0
	for _, l := range lines {
		n += len(l) + 1
	}
	b := make([]byte, 0, n)
	for _, l := range lines {
		b = append(b, l...)
		b = append(b, '\n')
	}
	return string(b)
}

// saver writes the state file in the background.
type saver struct {
	f     *Fleet
	file  string
	dirty chan struct{}
	done  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	err   error
}

func (f *Fleet) startSaver(file string) {
	s := &saver{f: f, file: file, dirty: make(chan struct{}, 1), done: make(chan struct{})}
	f.saver = s
	for _, d := range f.devices {
		d.mu.Lock()
		d.onCommit = s.mark
		d.mu.Unlock()
	}
	s.mark() // the file reflects the fleet from its start
	s.wg.Add(1)
	go s.loop()
}

// mark says a running configuration changed; it never blocks.
func (s *saver) mark() {
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

func (s *saver) loop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.dirty:
			s.save()
			select {
			case <-time.After(saveEvery):
			case <-s.done:
				return
			}
		case <-s.done:
			return
		}
	}
}

// save writes every device's running configuration.
func (s *saver) save() {
	st := stateFile{Version: 1, Devices: map[string][]string{}}
	for _, d := range s.f.devices {
		d.mu.Lock()
		run := d.running // persistent: safe to read after the lock
		d.mu.Unlock()
		st.Devices[d.opts.Name] = setLines(run)
	}
	err := writeAtomic(s.file, st)
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// stop ends the saver after a last save, and returns the last save's error.
func (s *saver) stop() error {
	close(s.done)
	s.wg.Wait()
	s.save()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func writeAtomic(file string, st stateFile) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), filepath.Base(file)+".*.tmp")
	if err != nil {
		return fmt.Errorf("sim: state file: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("sim: state file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("sim: state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("sim: state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("sim: state file: %w", err)
	}
	return nil
}
