package sim

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Fault is the JSON form of a fault injection on the control endpoint (POST /control/faults).
// Method, Nth, Count, Server, Message, Apply and Drop are Injection's; Delay is a Go
// duration ("2s"). Unreachable, Busy and Latency change the whole simulator instead.
type Fault struct {
	Method  string `json:"method,omitempty"`
	Nth     int    `json:"nth,omitempty"`
	Count   int    `json:"count,omitempty"`
	Server  bool   `json:"server,omitempty"`
	Message string `json:"message,omitempty"`
	Apply   bool   `json:"apply,omitempty"`
	Delay   string `json:"delay,omitempty"`
	Drop    bool   `json:"drop,omitempty"`
	// Unreachable drops every SAM-O request without a reply until cleared (true) or ends it
	// (false); nil leaves it as it is.
	Unreachable *bool `json:"unreachable,omitempty"`
	// Busy answers every request with a server-busy fault until cleared.
	Busy *bool `json:"busy,omitempty"`
	// Latency delays every reply ("" leaves it; "0s" ends it).
	Latency string `json:"latency,omitempty"`
}

// FaultState is what GET /control/faults reports.
type FaultState struct {
	Injections  []Injection `json:"injections"`
	Unreachable bool        `json:"unreachable"`
	Busy        bool        `json:"busy"`
	Latency     string      `json:"latency"`
}

// SetUnreachable makes the simulator drop every SAM-O request (the connection closes with no
// reply) until SetUnreachable(false) or ClearInjections.
func (s *Server) SetUnreachable(b bool) { s.cfgMu.Lock(); s.unreachable = b; s.cfgMu.Unlock() }

// Faults returns the injections still pending and the simulator-wide faults.
func (s *Server) Faults() FaultState {
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	st := FaultState{Injections: []Injection{}, Unreachable: s.unreachable, Busy: s.busy, Latency: s.latency.String()}
	for _, in := range s.injections {
		if in.left != 0 {
			st.Injections = append(st.Injections, in.Injection)
		}
	}
	return st
}

// serveControl answers /control/faults: GET lists, POST adds (a Fault), DELETE clears every
// fault. It needs the SAM-O credentials as HTTP basic authentication.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	s.cfgMu.Lock()
	wantUser, wantPass := s.user, s.pass
	s.cfgMu.Unlock()
	if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(wantUser)) != 1 || subtle.ConstantTimeCompare([]byte(pass), []byte(wantPass)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="sam-sim control"`)
		http.Error(w, "control: the SAM-O user and password are required (HTTP basic authentication)", http.StatusUnauthorized)
		return
	}
	switch r.Method {
	case http.MethodGet:
	case http.MethodDelete:
		s.ClearInjections()
		s.SetLatency(s.opts.Latency)
	case http.MethodPost:
		var f Fault
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			http.Error(w, "control: body is not a fault: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := s.applyFault(f); err != nil {
			http.Error(w, "control: "+err.Error(), http.StatusBadRequest)
			return
		}
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		http.Error(w, "control: GET, POST or DELETE", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.Faults())
}

func (s *Server) applyFault(f Fault) error {
	global := f.Unreachable != nil || f.Busy != nil || f.Latency != ""
	if f.Latency != "" {
		d, err := time.ParseDuration(f.Latency)
		if err != nil || d < 0 {
			return fmt.Errorf("latency %q is not a duration", f.Latency)
		}
		s.SetLatency(d)
	}
	if f.Unreachable != nil {
		s.SetUnreachable(*f.Unreachable)
	}
	if f.Busy != nil {
		s.SetBusy(*f.Busy)
	}
	in := Injection{Method: f.Method, Nth: f.Nth, Count: f.Count, Server: f.Server, Message: f.Message, Apply: f.Apply, Drop: f.Drop}
	if f.Delay != "" {
		d, err := time.ParseDuration(f.Delay)
		if err != nil || d <= 0 {
			return fmt.Errorf("delay %q is not a positive duration", f.Delay)
		}
		in.Delay = d
	}
	if f.Nth < 0 {
		return fmt.Errorf("nth %d: the first matching request is 1", f.Nth)
	}
	if global && in == (Injection{}) {
		return nil
	}
	if f.Method != "" && !knownMethod[f.Method] {
		return fmt.Errorf("method %q is not a SAM-O method of the simulator", f.Method)
	}
	s.Inject(in)
	return nil
}

var knownMethod = map[string]bool{
	"ping": true, "version": true, "find": true,
	"generic.GenericObject.configureChildInstance": true, "generic.GenericObject.configureInstance": true,
	"generic.GenericObject.deleteInstance": true, "script.ScriptManager.executeCli": true,
}
