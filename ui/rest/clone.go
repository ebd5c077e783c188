package rest

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/xprov/xprov/engine"
)

// CloneRequest is the body of POST /services/{id}/clone: the new service's id and an optional
// JSON merge patch (RFC 7396) over the source's intent, e.g. another VLAN or port, since the
// source's endpoints are taken.
type CloneRequest struct {
	ID    string          `json:"id"`
	Patch json.RawMessage `json:"patch,omitempty"`
}

// cloneService creates a new service of the source's type from the source's intent (patched):
// a create like any other, so pools allocate anew and clashes are refused as for a create.
func (s *Server) cloneService(w http.ResponseWriter, r *http.Request) {
	var in CloneRequest
	if _, err := decodeBody(r, &in, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.ID == "" {
		s.writeError(w, r, problemWithFields(http.StatusUnprocessableEntity, "validation", "id of the new service is required",
			FieldError{Pointer: "/id", Message: "required"}))
		return
	}
	if err := engine.CheckServiceID(in.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	src, err := s.st.GetService(r.Context(), urlParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	intent := json.RawMessage(src.Intent)
	if len(in.Patch) > 0 && string(in.Patch) != "null" {
		if err := checkIntent(in.Patch, "/patch"); err != nil {
			s.writeError(w, r, err)
			return
		}
		if intent, err = mergePatch(intent, in.Patch); err != nil {
			s.writeError(w, r, badRequest("clone %s: %v", src.ID, err))
			return
		}
	}
	req := engine.Request{Op: engine.OpCreate, Type: src.Type, ServiceID: in.ID, Intent: intent, User: user(r)}
	noteAudit(r, serviceObject(in.ID), "clone_of", src.ID)
	s.submit(w, r, req)
}

// mergePatch applies an RFC 7396 JSON merge patch to a JSON document.
func mergePatch(doc, patch json.RawMessage) (json.RawMessage, error) {
	var d, p any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("source intent: %w", err)
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, fmt.Errorf("patch: %w", err)
	}
	return json.Marshal(merge(d, p))
}

func merge(doc, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	dm, ok := doc.(map[string]any)
	if !ok {
		dm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(dm, k)
		} else {
			dm[k] = merge(dm[k], v)
		}
	}
	return dm
}
