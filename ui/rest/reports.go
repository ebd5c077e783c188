package rest

import (
	"net/http"

	"github.com/xprov/xprov/engine/store"
)

// Summary is GET /reports/summary.
type Summary struct {
	Services int64            `json:"services"`
	ByType   map[string]int64 `json:"by_type"`
	ByState  map[string]int64 `json:"by_state"`
	// ByVendor counts service endpoints per device vendor (a service with endpoints on two
	// devices of one vendor counts twice: the store has no distinct count per vendor).
	ByVendor   map[string]int64 `json:"by_vendor"`
	Pools      []PoolInfo       `json:"pools"`
	Compliance Compliance       `json:"compliance"`
}

// Compliance counts services by their latest audit outcome, as kept in the store.
type Compliance struct {
	Audited int64 `json:"audited"`
	InSync  int64 `json:"in_sync"`
	Drifted int64 `json:"drifted"`
	// Unknown services had a target that could not be read at their latest audit.
	Unknown int64 `json:"unknown"`
	// Services is how many services exist; Services - Audited were never audited.
	Services int64 `json:"services"`
}

func (s *Server) pools(w http.ResponseWriter, r *http.Request) {
	u, err := s.st.PoolUsage(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(s.poolInfo(u), ""))
}

// PoolInfo is the usage of one pool scope and, when the packs declare the pool, its range.
type PoolInfo struct {
	store.PoolUsage
	Min  int64 `json:"min,omitempty"`
	Max  int64 `json:"max,omitempty"`
	Size int64 `json:"size,omitempty"`
}

func (s *Server) poolInfo(us []store.PoolUsage) []PoolInfo {
	out := make([]PoolInfo, 0, len(us))
	for _, u := range us {
		pi := PoolInfo{PoolUsage: u}
		if s.o.PoolBounds != nil {
			if lo, hi, ok := s.o.PoolBounds(u.Pool); ok && hi >= lo {
				pi.Min, pi.Max, pi.Size = lo, hi, hi-lo+1
			}
		}
		out = append(out, pi)
	}
	return out
}

var serviceStates = []string{store.StateCreating, store.StateActive, store.StateFailed, store.StateDeleting, store.StateModifying, store.StateCleanup, store.StateFailedCleanup}

func (s *Server) summary(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	out := Summary{ByType: map[string]int64{}, ByState: map[string]int64{}, ByVendor: map[string]int64{}, Pools: []PoolInfo{}}
	var err error
	if out.Services, err = s.st.CountServices(ctx, store.ServiceFilter{}); err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, t := range s.eng.Types() {
		if out.ByType[t.Name], err = s.st.CountServices(ctx, store.ServiceFilter{Type: t.Name}); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	for _, st := range serviceStates {
		if out.ByState[st], err = s.st.CountServices(ctx, store.ServiceFilter{State: st}); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	devs, err := s.st.ListDevices(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, d := range devs {
		n, err := s.st.CountServices(ctx, store.ServiceFilter{Device: d.Name})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out.ByVendor[d.Vendor] += n
	}
	if u, err := s.st.PoolUsage(ctx); err != nil {
		s.writeError(w, r, err)
		return
	} else {
		out.Pools = s.poolInfo(u)
	}
	c, err := s.state.Compliance(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out.Compliance = Compliance{Audited: c.Audited, InSync: c.InSync, Drifted: c.Drifted, Unknown: c.Unknown, Services: out.Services}
	writeJSON(w, http.StatusOK, out)
}
