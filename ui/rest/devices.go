package rest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/engine"
)

// DeviceDetail is a device whose ports say which services use them.
type DeviceDetail struct {
	adapters.Device
	Ports []PortDetail `json:"ports"`
}

// PortDetail is a port with the ids of services that have an endpoint on it (at most 100).
type PortDetail struct {
	adapters.Port
	Services []string `json:"services"`
}

// DiscoverRequest is the optional body of POST /devices/discover.
type DiscoverRequest struct {
	Targets []string `json:"targets,omitempty"`
}

// DiscoverResult lists the devices found and the targets that failed.
type DiscoverResult struct {
	Items  []adapters.Device `json:"items"`
	Errors []string          `json:"errors,omitempty"`
}

// OpRequest is the body of POST /devices/{name}/ops.
type OpRequest struct {
	Command string `json:"command"`
}

func (s *Server) listDevices(w http.ResponseWriter, r *http.Request) {
	devs, err := s.eng.Devices(r.Context(), r.URL.Query().Get("vendor"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(devs, ""))
}

func (s *Server) getDevice(w http.ResponseWriter, r *http.Request) {
	name := urlParam(r, "name")
	sd, err := s.st.GetDevice(r.Context(), name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var d adapters.Device
	if err := json.Unmarshal(sd.Data, &d); err != nil {
		s.writeError(w, r, fmt.Errorf("rest: decode device %s: %w", name, err))
		return
	}
	out := DeviceDetail{Device: d, Ports: []PortDetail{}}
	for _, p := range d.Ports {
		users, err := s.st.PortUsers(r.Context(), name, p.Name, 100)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if users == nil {
			users = []string{}
		}
		out.Ports = append(out.Ports, PortDetail{Port: p, Services: users})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) discover(w http.ResponseWriter, r *http.Request) {
	var in DiscoverRequest
	if _, err := decodeBody(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	targets, err := discoverTargets(in.Targets)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in.Targets = targets
	devs, err := s.eng.Discover(r.Context(), in.Targets...)
	res := DiscoverResult{Items: devs}
	if res.Items == nil {
		res.Items = []adapters.Device{}
	}
	if err != nil {
		if errors.Is(err, engine.ErrStoreUnavailable) {
			// What was discovered could not be recorded: a write that failed.
			s.writeError(w, r, err)
			return
		}
		if len(devs) == 0 && errors.Is(err, engine.ErrUnknownTarget) && len(in.Targets) > 0 {
			s.writeError(w, r, newProblem(http.StatusNotFound, "unknown-target", err.Error()))
			return
		}
		for _, e := range unjoin(err) {
			res.Errors = append(res.Errors, e.Error())
		}
	}
	noteAudit(r, "devices", "devices", len(res.Items), "errors", len(res.Errors))
	writeJSON(w, http.StatusOK, res)
}

// MaxDiscoverTargets bounds the targets one POST /devices/discover names.
const MaxDiscoverTargets = 256

// discoverTargets checks the targets of a discovery and drops repeats (keeping the first of
// each), so that one request reaches a device at most once.
func discoverTargets(in []string) ([]string, error) {
	if len(in) > MaxDiscoverTargets {
		return nil, problemWithFields(http.StatusUnprocessableEntity, "validation", "too many targets",
			FieldError{Pointer: "/targets", Message: fmt.Sprintf("names %d targets, the limit is %d", len(in), MaxDiscoverTargets)})
	}
	var out []string
	var fields []FieldError
	seen := map[string]bool{}
	for i, t := range in {
		if t == "" || len(t) > 255 {
			fields = append(fields, FieldError{Pointer: fmt.Sprintf("/targets/%d", i), Message: "must be a device or NMS name of 1 to 255 characters"})
			continue
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(fields) > 0 {
		return nil, problemWithFields(http.StatusUnprocessableEntity, "validation", "invalid targets", fields...)
	}
	return out, nil
}

// unjoin splits an errors.Join error into its parts.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func (s *Server) runOp(w http.ResponseWriter, r *http.Request) {
	name := urlParam(r, "name")
	noteAudit(r, "devices/"+name)
	var in OpRequest
	if _, err := decodeBody(r, &in, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Command == "" {
		s.writeError(w, r, problemWithFields(http.StatusUnprocessableEntity, "validation", "command is required",
			FieldError{Pointer: "/command", Message: "required"}))
		return
	}
	if _, err := s.st.GetDevice(r.Context(), name); err != nil {
		s.writeError(w, r, err)
		return
	}
	noteAudit(r, "", "command", in.Command)
	res, err := s.eng.RunOp(r.Context(), name, in.Command)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
