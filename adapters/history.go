package adapters

import (
	"context"
	"time"
)

// Commit is one entry of a target's configuration history.
type Commit struct {
	// Seq is the entry's place in the history, 0 the newest (Junos: the rollback number).
	Seq  int       `json:"seq"`
	At   time.Time `json:"at"`
	User string    `json:"user"`
	// Client is how the change was made ("cli", "netconf", ...).
	Client string `json:"client,omitempty"`
	// Comment is the commit's log message (xprov's commits carry "xprov run <id> ...").
	Comment string `json:"comment,omitempty"`
}

// History is implemented by targets that can list their recent configuration changes
// cheaply (one request), so that a change made behind xprov's back is noticed without
// reading the configuration.
type History interface {
	// CommitHistory returns the recent commits, newest first.
	CommitHistory(ctx context.Context) ([]Commit, error)
}
