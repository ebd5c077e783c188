package rest_test

import (
	"fmt"

	verrors "github.com/pb33f/libopenapi-validator/errors"
)

type validatorError struct{ s string }

func (e *validatorError) String() string { return e.s }

func convert(es []*verrors.ValidationError) []*validatorError {
	var out []*validatorError
	for _, e := range es {
		s := fmt.Sprintf("%s: %s", e.Message, e.Reason)
		for _, se := range e.SchemaValidationErrors {
			s += fmt.Sprintf(" [%s: %s]", se.FieldPath+" "+se.KeywordLocation, se.Reason)
		}
		out = append(out, &validatorError{s})
	}
	return out
}
