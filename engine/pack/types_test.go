package pack

import (
	"fmt"
	"strings"
	"testing"
)

// TestValidationErrorBounded: 340,001 failing fields make a short message, not 20 MB.
func TestValidationErrorBounded(t *testing.T) {
	for _, n := range []int{1, maxErrorFields, maxErrorFields + 1, 340001} {
		e := &ValidationError{}
		for i := range n {
			e.Fields = append(e.Fields, FieldError{Pointer: fmt.Sprintf("/endpoints/%d", i), Message: "is required"})
		}
		msg := e.Error()
		if got := strings.Count(msg, "is required"); got != min(n, maxErrorFields) {
			t.Errorf("%d fields: %d spelled out: %.200s", n, got, msg)
		}
		if more := fmt.Sprintf("and %d more", n-maxErrorFields); (n > maxErrorFields) != strings.HasSuffix(msg, more) {
			t.Errorf("%d fields: message ends %q", n, msg[max(0, len(msg)-40):])
		}
	}
}
