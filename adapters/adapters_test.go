package adapters

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestErrorSaysEachCauseOnce(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"message and sentinel", &Error{Target: "pe1", Op: "prepare", Path: "interfaces", Msg: "invalid value", Err: ErrRejected},
			"pe1: prepare interfaces: invalid value: rejected"},
		{"no message", &Error{Target: "sam1", Op: "fetch", Err: fmt.Errorf("%w: %w", ErrUnreachable, io.EOF)},
			"sam1: fetch: unreachable: EOF"},
		{"joined sentinel and the message's cause", &Error{Target: "pe1", Op: "prepare", Msg: "EOF", Err: errors.Join(ErrPossiblyApplied, io.EOF)},
			"pe1: prepare: EOF: possibly applied"},
		{"wrapped cause already in the message", &Error{Target: "pe1", Op: "prepare",
			Msg: "NETCONF session closed during <edit-config> (EOF); the candidate is discarded with the session, nothing was committed",
			Err: fmt.Errorf("%w: %w", ErrUnreachable, io.EOF)},
			"pe1: prepare: NETCONF session closed during <edit-config> (EOF); the candidate is discarded with the session, nothing was committed: unreachable"},
		{"message equals the error", &Error{Target: "pe1", Op: "op", Msg: "boom", Err: errors.New("boom")}, "pe1: op: boom"},
		{"a multi-line cause is flattened", &Error{Target: "pe1", Op: "rollback", Err: errors.Join(ErrRollbackFailed, io.ErrUnexpectedEOF)},
			"pe1: rollback: rollback failed: unexpected EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Fatalf("Error() = %q\nwant      %q", got, tc.want)
			}
		})
	}
}
