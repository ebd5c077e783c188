package engine

import "errors"

// ErrNotRunning means a run is unfinished but not executing in this process (parked by a
// shutdown or a crash, waiting for Recover), so nothing here can stop it.
var ErrNotRunning = errors.New("run not executing in this process")
