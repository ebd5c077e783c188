package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Customer is a carrier's customer. Services name their customer by ID in their intent.
type Customer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// SAMID is the customer's id on the NMS (SAM); empty means unmapped.
	SAMID string `json:"sam_id,omitempty"`
	// Version counts the customer's writes (1 after create); it is the customer's ETag.
	Version int64     `json:"version"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Customers keeps the customers.
type Customers interface {
	// CreateCustomer stores a new customer with version 1; ErrExists if the id is taken.
	CreateCustomer(ctx context.Context, c Customer) (Customer, error)
	// GetCustomer returns a customer, or ErrNotFound.
	GetCustomer(ctx context.Context, id string) (Customer, error)
	// ListCustomers returns up to limit customers ordered by id after the id after.
	ListCustomers(ctx context.Context, after string, limit int) ([]Customer, error)
	// UpdateCustomer replaces the name and SAM id of customer c.ID if its version is still
	// version (any version when version is 0) and returns it with its new version: ErrNotFound
	// when there is no such customer, ErrStale when it was changed since.
	UpdateCustomer(ctx context.Context, c Customer, version int64) (Customer, error)
	// DeleteCustomer deletes a customer under the same version rule as UpdateCustomer.
	DeleteCustomer(ctx context.Context, id string, version int64) error
}

var _ Customers = (*SQLite)(nil)

const (
	qCreateCustomer = `INSERT INTO customers (id, name, sam_id, version, created, updated) VALUES (?1, ?2, ?3, 1, ?4, ?4)
		ON CONFLICT (id) DO NOTHING`
	qGetCustomer    = `SELECT id, name, sam_id, version, created, updated FROM customers WHERE id = ?`
	qListCustomers  = `SELECT id, name, sam_id, version, created, updated FROM customers WHERE id > ? ORDER BY id LIMIT ?`
	qUpdateCustomer = `UPDATE customers SET name = ?2, sam_id = ?3, version = version + 1, updated = ?4
		WHERE id = ?1 AND (?5 = 0 OR version = ?5)`
	qDeleteCustomer = `DELETE FROM customers WHERE id = ?1 AND (?2 = 0 OR version = ?2)`
	qCustomerExists = `SELECT 1 FROM customers WHERE id = ?`
)

func scanCustomer(row scanner) (Customer, error) {
	var c Customer
	var created, updated int64
	if err := row.Scan(&c.ID, &c.Name, &c.SAMID, &c.Version, &created, &updated); err != nil {
		return Customer{}, err
	}
	c.Created, c.Updated = fromNano(created), fromNano(updated)
	return c, nil
}

// CreateCustomer stores a new customer.
func (s *SQLite) CreateCustomer(ctx context.Context, c Customer) (Customer, error) {
	if c.ID == "" {
		return Customer{}, errors.New("store: create customer: empty id")
	}
	var out Customer
	err := s.write(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, qCreateCustomer, c.ID, c.Name, c.SAMID, unixNano(time.Now()))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrExists
		}
		out, err = scanCustomer(tx.QueryRowContext(ctx, qGetCustomer, c.ID))
		return err
	})
	if err != nil {
		return Customer{}, fmt.Errorf("store: create customer %s: %w", c.ID, err)
	}
	return out, nil
}

// GetCustomer returns a customer.
func (s *SQLite) GetCustomer(ctx context.Context, id string) (Customer, error) {
	c, err := scanCustomer(s.read().QueryRowContext(ctx, qGetCustomer, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return Customer{}, fmt.Errorf("store: get customer %s: %w", id, err)
	}
	return c, nil
}

// ListCustomers returns a page of customers ordered by id.
func (s *SQLite) ListCustomers(ctx context.Context, after string, n int) ([]Customer, error) {
	rows, err := s.read().QueryContext(ctx, qListCustomers, after, limit(n, MaxPageSize, MaxPageSize))
	if err != nil {
		return nil, fmt.Errorf("store: list customers: %w", err)
	}
	defer rows.Close()
	var out []Customer
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list customers: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list customers: %w", err)
	}
	return out, nil
}

// missingOrStale tells, after a versioned write touched no row, which of ErrNotFound and
// ErrStale applies.
func missingOrStale(ctx context.Context, tx *wtx, id string) error {
	var one int
	err := tx.QueryRowContext(ctx, qCustomerExists, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return ErrStale
}

// UpdateCustomer replaces a customer's name and SAM id if its version matches.
func (s *SQLite) UpdateCustomer(ctx context.Context, c Customer, version int64) (Customer, error) {
	var out Customer
	err := s.write(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, qUpdateCustomer, c.ID, c.Name, c.SAMID, unixNano(time.Now()), version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return missingOrStale(ctx, tx, c.ID)
		}
		out, err = scanCustomer(tx.QueryRowContext(ctx, qGetCustomer, c.ID))
		return err
	})
	if err != nil {
		return Customer{}, fmt.Errorf("store: update customer %s: %w", c.ID, err)
	}
	return out, nil
}

// DeleteCustomer deletes a customer if its version matches.
func (s *SQLite) DeleteCustomer(ctx context.Context, id string, version int64) error {
	err := s.write(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, qDeleteCustomer, id, version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return missingOrStale(ctx, tx, id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete customer %s: %w", id, err)
	}
	return nil
}
