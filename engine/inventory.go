package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/builtins"
	"github.com/xprov/xprov/engine/audit"
	"github.com/xprov/xprov/engine/store"
)

// inventory is the builtins.Inventory view scripts get, backed by the store with a small
// cache (devices are few; services are many).
// inventory is the inventory scripts see, read through st (a computation's store view: a
// read that went around it could wait for a read connection the view itself holds).
func (e *Engine) inventory(st store.Store) builtins.Inventory { return engineInventory{e, st} }

type engineInventory struct {
	e  *Engine
	st store.Store
}

func (i engineInventory) Device(ctx context.Context, name string) (adapters.Device, bool, error) {
	return i.e.device(ctx, i.st, name)
}

func (i engineInventory) Devices(ctx context.Context, vendor string) ([]adapters.Device, error) {
	return i.e.devicesIn(ctx, i.st, vendor)
}

func (e *Engine) device(ctx context.Context, st store.Store, name string) (adapters.Device, bool, error) {
	e.mu.Lock()
	d, ok := e.devCache[name]
	e.mu.Unlock()
	if ok {
		return d, true, nil
	}
	sd, err := st.GetDevice(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return adapters.Device{}, false, nil
	}
	if err != nil {
		return adapters.Device{}, false, fmt.Errorf("engine: device %s: %w", name, err)
	}
	if err := json.Unmarshal(sd.Data, &d); err != nil {
		return adapters.Device{}, false, fmt.Errorf("engine: device %s: decode: %w", name, err)
	}
	e.mu.Lock()
	e.devCache[name] = d
	e.mu.Unlock()
	return d, true, nil
}

// Devices lists inventory devices, optionally of one vendor.
func (e *Engine) Devices(ctx context.Context, vendor string) ([]adapters.Device, error) {
	return e.devicesIn(ctx, e.st, vendor)
}

func (e *Engine) devicesIn(ctx context.Context, st store.Store, vendor string) ([]adapters.Device, error) {
	sds, err := st.ListDevices(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine: list devices: %w", err)
	}
	var out []adapters.Device
	for _, sd := range sds {
		if vendor != "" && sd.Vendor != vendor {
			continue
		}
		var d adapters.Device
		if err := json.Unmarshal(sd.Data, &d); err != nil {
			return nil, fmt.Errorf("engine: device %s: decode: %w", sd.Name, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// PutDevices records devices in the inventory (discovery, or a static inventory file).
func (e *Engine) PutDevices(ctx context.Context, devs []adapters.Device) error {
	rows := make([]store.Device, len(devs))
	now := time.Now().UTC()
	for i, d := range devs {
		raw, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("engine: encode device %s: %w", d.Name, err)
		}
		rows[i] = store.Device{Name: d.Name, Vendor: d.Vendor, NMS: d.NMS, Data: raw, Seen: now}
	}
	if err := e.st.PutDevices(ctx, rows); err != nil {
		// A refused write turns the engine unready like any other (ErrStoreUnavailable).
		return fmt.Errorf("engine: store devices: %w", e.storeFailed(err))
	}
	e.mu.Lock()
	for _, d := range devs {
		e.devCache[d.Name] = d
	}
	e.mu.Unlock()
	e.emit(ctx, "inventory.updated", "", "", map[string]int{"devices": len(devs)})
	return nil
}

// targetOf returns the target a device is reached through: its NMS, or itself.
func (e *Engine) targetOf(ctx context.Context, st store.Store, device string) (string, error) {
	d, ok, err := e.device(ctx, st, device)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("engine: device %q is not in the inventory: %w", device, ErrUnknownTarget)
	}
	if d.NMS != "" {
		return d.NMS, nil
	}
	return d.Name, nil
}

// Discover asks targets for their devices and stores them. With no names, every registered
// target is asked, and a name given twice once; a target that fails is reported and the others
// still recorded.
func (e *Engine) Discover(ctx context.Context, targets ...string) ([]adapters.Device, error) {
	if len(targets) == 0 {
		targets = e.TargetNames()
	}
	var all []adapters.Device
	var errs []error
	seen := make(map[string]bool, len(targets))
	for _, name := range targets {
		if seen[name] {
			continue // a target named twice is discovered once
		}
		seen[name] = true
		t, ok := e.Target(name)
		if !ok {
			errs = append(errs, fmt.Errorf("engine: discover %s: %w", name, ErrUnknownTarget))
			continue
		}
		devs, err := t.Discover(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("engine: discover %s: %w", name, err))
			continue
		}
		all = append(all, devs...)
	}
	if len(all) > 0 {
		if err := e.PutDevices(ctx, all); err != nil {
			errs = append(errs, err)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all, errors.Join(errs...)
}

// RunOp runs an operational command on a device through its target.
func (e *Engine) RunOp(ctx context.Context, device, command string) (adapters.OpResult, error) {
	t, err := e.targetOf(ctx, e.st, device)
	if err != nil {
		return adapters.OpResult{}, err
	}
	tg, ok := e.Target(t)
	if !ok {
		return adapters.OpResult{}, fmt.Errorf("engine: %s: %w", t, ErrUnknownTarget)
	}
	return tg.Op(ctx, device, command)
}

// Audit compares what a service owns with what its targets hold now: missing, changed and
// extra nodes (engine/audit.Check). A target that cannot be read makes the service unknown,
// not drifted. Audits of many services at once are engine/audit.Auditor jobs.
func (e *Engine) Audit(ctx context.Context, serviceID string) (*AuditResult, error) {
	res, err := audit.Check(ctx, e.st, e.Target, serviceID)
	if err != nil {
		return nil, fmt.Errorf("engine: audit %s: %w", serviceID, err)
	}
	e.emit(ctx, "audit.done", serviceID, "", map[string]any{"in_sync": res.InSync, "status": res.Status})
	return res, nil
}
