package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/xprov/xprov/engine/store"
)

// ExerciseCustomers runs the conformance cases of store.Customers against stores from open,
// one fresh store per case.
func ExerciseCustomers(t *testing.T, open func(t *testing.T) store.Customers) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Customers)
	}{
		{"CRUD", testCustomersCRUD},
		{"List", testCustomersList},
		{"ConcurrentUpdates", testCustomersConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// testCustomersCRUD: create gives version 1, a taken id is ErrExists, updates and deletes
// check the version (0 is any) and tell a missing customer from a stale version.
func testCustomersCRUD(t *testing.T, s store.Customers) {
	c, err := s.CreateCustomer(ctx, store.Customer{ID: "cust-42", Name: "ACME", SAMID: "4200"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != 1 || c.Name != "ACME" || c.SAMID != "4200" || c.Created.IsZero() || !c.Created.Equal(c.Updated) {
		t.Fatalf("created %+v", c)
	}
	mustErr(t, func() error {
		_, err := s.CreateCustomer(ctx, store.Customer{ID: "cust-42", Name: "other"})
		return err
	}(), store.ErrExists)
	if got, err := s.GetCustomer(ctx, "cust-42"); err != nil || got != c {
		t.Fatalf("get = %+v, %v; want %+v", got, err, c)
	}
	mustErr(t, func() error { _, err := s.GetCustomer(ctx, "nope"); return err }(), store.ErrNotFound)

	up, err := s.UpdateCustomer(ctx, store.Customer{ID: "cust-42", Name: "ACME Corp"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != 2 || up.Name != "ACME Corp" || up.SAMID != "" || !up.Created.Equal(c.Created) || up.Updated.Before(c.Updated) {
		t.Fatalf("updated %+v", up)
	}
	mustErr(t, func() error { _, err := s.UpdateCustomer(ctx, store.Customer{ID: "cust-42", Name: "x"}, 1); return err }(), store.ErrStale)
	mustErr(t, func() error { _, err := s.UpdateCustomer(ctx, store.Customer{ID: "nope", Name: "x"}, 0); return err }(), store.ErrNotFound)
	if got, _ := s.GetCustomer(ctx, "cust-42"); got.Name != "ACME Corp" {
		t.Fatalf("a stale update changed the customer: %+v", got)
	}
	anyv, err := s.UpdateCustomer(ctx, store.Customer{ID: "cust-42", Name: "ACME", SAMID: "7"}, 0)
	if err != nil || anyv.Version != 3 {
		t.Fatalf("update at any version = %+v, %v", anyv, err)
	}
	mustErr(t, s.DeleteCustomer(ctx, "cust-42", 2), store.ErrStale)
	mustErr(t, s.DeleteCustomer(ctx, "nope", 0), store.ErrNotFound)
	if err := s.DeleteCustomer(ctx, "cust-42", 3); err != nil {
		t.Fatal(err)
	}
	mustErr(t, func() error { _, err := s.GetCustomer(ctx, "cust-42"); return err }(), store.ErrNotFound)
}

// testCustomersList pages through customers in id order.
func testCustomersList(t *testing.T, s store.Customers) {
	for i := 5; i > 0; i-- {
		if _, err := s.CreateCustomer(ctx, store.Customer{ID: fmt.Sprintf("c%d", i), Name: fmt.Sprint("n", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	after := ""
	for {
		page, err := s.ListCustomers(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("page of %d, limit 2", len(page))
		}
		for _, c := range page {
			ids = append(ids, c.ID)
		}
		after = page[len(page)-1].ID
	}
	if fmt.Sprint(ids) != "[c1 c2 c3 c4 c5]" {
		t.Fatalf("listed %v", ids)
	}
}

// testCustomersConcurrent: writers racing on the same version, exactly one wins and the
// others are told their version is stale.
func testCustomersConcurrent(t *testing.T, s store.Customers) {
	if _, err := s.CreateCustomer(ctx, store.Customer{ID: "c", Name: "start"}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.UpdateCustomer(ctx, store.Customer{ID: "c", Name: fmt.Sprint("w", i)}, 1)
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrStale):
			t.Errorf("writer %d: %v, want nil or ErrStale", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d writers won at version 1, want 1", won)
	}
	if got, _ := s.GetCustomer(ctx, "c"); got.Version != 2 {
		t.Fatalf("version after the race = %d, want 2", got.Version)
	}
}
