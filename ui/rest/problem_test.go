package rest

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/xprov/xprov/engine/pack"
)

// TestProblemCapsFieldErrors: a validation error lists the first MaxFieldErrors fields and
// counts the rest (issue 15 #9).
func TestProblemCapsFieldErrors(t *testing.T) {
	for _, n := range []int{1, MaxFieldErrors, MaxFieldErrors + 1, 340001} {
		ve := &pack.ValidationError{}
		for i := range n {
			ve.Fields = append(ve.Fields, pack.FieldError{Pointer: fmt.Sprintf("/endpoints/%d/port", i), Message: "is required"})
		}
		p := problemFor(fmt.Errorf("engine: %w", ve))
		if p.Status != http.StatusUnprocessableEntity || len(p.Errors) != min(n, MaxFieldErrors) || p.ErrorsOmitted != n-len(p.Errors) {
			t.Errorf("%d fields: status %d, %d listed, %d omitted", n, p.Status, len(p.Errors), p.ErrorsOmitted)
		}
		if p.Errors[0].Pointer != "/endpoints/0/port" {
			t.Errorf("%d fields: first listed %+v", n, p.Errors[0])
		}
	}
}
