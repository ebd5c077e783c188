package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Fault is one fault the control endpoint injects into a device.
type Fault struct {
	// Fault is what to do:
	//   commit-error   the next commit (or commit check) fails with Message
	//   drop-commit    the next commit applies, then the session drops before the reply
	//   drop-rpc       the session drops when the next RPC named RPC arrives (before it acts)
	//   delay          every reply waits Duration ("0s" ends it)
	//   commit-delay   every commit takes Duration
	//   unreachable    On: sessions end and connections close before SSH; !On: reachable
	//   refuse-login   On: logins are refused; !On: accepted
	//   clear          every fault above ends
	Fault    string `json:"fault"`
	Message  string `json:"message,omitempty"`
	RPC      string `json:"rpc,omitempty"`
	Duration string `json:"duration,omitempty"`
	On       bool   `json:"on,omitempty"`
}

// Inject applies f to the device.
func (d *Device) Inject(f Fault) error {
	dur := func() (time.Duration, error) {
		v, err := time.ParseDuration(f.Duration)
		if err != nil || v < 0 || v > time.Hour {
			return 0, fmt.Errorf("fault %s: duration %q: want a Go duration in 0s..1h", f.Fault, f.Duration)
		}
		return v, nil
	}
	switch f.Fault {
	case "commit-error":
		if f.Message == "" {
			return fmt.Errorf("fault commit-error: give the device's message")
		}
		d.FailNextCommit(f.Message)
	case "drop-commit":
		d.DropSessionOnNextCommit()
	case "drop-rpc":
		if f.RPC == "" {
			return fmt.Errorf("fault drop-rpc: give the RPC (edit-config, commit, lock, ...)")
		}
		d.DropSessionOnNextRPC(f.RPC)
	case "delay":
		v, err := dur()
		if err != nil {
			return err
		}
		d.SetLatency(v)
	case "commit-delay":
		v, err := dur()
		if err != nil {
			return err
		}
		d.SetCommitDelay(v)
	case "unreachable":
		d.SetUnreachable(f.On)
	case "refuse-login":
		d.RefuseLogin(f.On)
	case "clear":
		d.FailNextCommit("")
		d.dropNextCommit.Store(false)
		d.dropNextRPC.Store(nil)
		d.SetLatency(0)
		d.SetCommitDelay(time.Duration(d.opts.CommitDelay))
		d.SetUnreachable(false)
		d.RefuseLogin(false)
	default:
		return fmt.Errorf("unknown fault %q (commit-error, drop-commit, drop-rpc, delay, commit-delay, unreachable, refuse-login, clear)", f.Fault)
	}
	return nil
}

// DeviceStatus is what the control endpoint reports about a device.
type DeviceStatus struct {
	Name           string `json:"name"`
	Address        string `json:"address"`
	Loopback       string `json:"loopback"`
	Commits        int    `json:"commits"`
	Sessions       int    `json:"sessions"`
	LockHolder     int    `json:"lock_holder,omitempty"`
	PendingConfirm bool   `json:"pending_confirm"`
	Unreachable    bool   `json:"unreachable,omitempty"`
}

// ControlHandler serves the fleet's control endpoint, for demos and black-box tests:
//
//	GET  /devices                 every device's status (DeviceStatus)
//	POST /devices/{name}/faults   inject a Fault (JSON body); 204 when done
//
// It has no authentication: serve it on a loopback address only.
func (f *Fleet) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /devices", func(w http.ResponseWriter, _ *http.Request) {
		out := make([]DeviceStatus, 0, len(f.devices))
		for _, d := range f.devices {
			out = append(out, DeviceStatus{Name: d.Name(), Address: d.Addr(), Loopback: d.Loopback(), Commits: d.Commits(),
				Sessions: d.Sessions(), LockHolder: d.LockHolder(), PendingConfirm: d.PendingConfirm(), Unreachable: d.unreachable.Load()})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("POST /devices/{name}/faults", func(w http.ResponseWriter, r *http.Request) {
		d := f.byName[r.PathValue("name")]
		if d == nil {
			http.Error(w, fmt.Sprintf("no device %q", r.PathValue("name")), http.StatusNotFound)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
			http.Error(w, "send application/json", http.StatusUnsupportedMediaType)
			return
		}
		var fault Fault
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fault); err != nil {
			http.Error(w, "fault: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := d.Inject(fault); err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}
