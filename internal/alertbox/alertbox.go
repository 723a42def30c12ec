package alertbox

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/smokex/smokex/record"
)

// Check reports the first delivery of owed that cannot be stored: nil, or
// without an ID, a plan, a target or an event, or an ID given twice.
func Check(owed []*record.AlertDelivery) error {
	seen := make(map[string]bool, len(owed))
	for i, d := range owed {
		switch {
		case d == nil:
			return fmt.Errorf("owed[%d] is nil", i)
		case d.ID == "":
			return fmt.Errorf("owed[%d] has no ID", i)
		case d.PlanID == "":
			return fmt.Errorf("owed[%d] (%s) has no PlanID", i, d.ID)
		case d.Target == "":
			return fmt.Errorf("owed[%d] (%s) has no Target", i, d.ID)
		case len(d.Event) == 0:
			return fmt.Errorf("owed[%d] (%s) has no Event", i, d.ID)
		case seen[d.ID]:
			return fmt.Errorf("owed[%d]: ID %q is given twice", i, d.ID)
		}
		seen[d.ID] = true
	}
	return nil
}

// CheckLease reports what is wrong with the lease of a claim.
func CheckLease(target string, lease time.Duration) error {
	switch {
	case target == "":
		return errors.New("claim: target is empty")
	case lease <= 0:
		return fmt.Errorf("claim: lease %s must be positive", lease)
	}
	return nil
}

// NewLease returns a claim's token.
func NewLease() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// MaxBytes bounds the events a Box holds, in bytes: 16 MiB, some
// thousands of alerts.
const MaxBytes = 16 << 20

// Box is an outbox in memory, bounded by MaxBytes. The zero Box is ready
// to use; it is safe for concurrent use.
type Box struct {
	mu    sync.Mutex
	seq   int64
	rows  map[string]*row
	bytes int
}

type row struct {
	d   record.AlertDelivery
	seq int64
}

// Admit reports why owed cannot be added: a delivery in the box already
// (an error wrapping record.ErrConflict), or no room left within
// MaxBytes (the deliveries owed to a target that hangs pile up).
func (b *Box) Admit(owed []*record.AlertDelivery) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	size := 0
	for _, d := range owed {
		if _, ok := b.rows[d.ID]; ok {
			return fmt.Errorf("alert delivery %q is owed already: %w", d.ID, record.ErrConflict)
		}
		size += len(d.Event)
	}
	if b.bytes+size > MaxBytes {
		return fmt.Errorf("the alerts owed in memory take %d bytes, %d more would pass the bound of %d; the alert is not saved", b.bytes, size, MaxBytes)
	}
	return nil
}

// Add puts copies of owed in the box, created at now, after every
// delivery already in it. The caller has checked them (Check, Admit).
func (b *Box) Add(now time.Time, owed []*record.AlertDelivery) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rows == nil {
		b.rows = map[string]*row{}
	}
	for _, d := range owed {
		b.seq++
		c := *d
		c.Event = append([]byte(nil), d.Event...)
		c.CreatedAt, c.Lease, c.LeasedUntil = now, "", time.Time{}
		b.rows[d.ID] = &row{d: c, seq: b.seq}
		b.bytes += len(c.Event)
	}
}

// Claim leases the oldest delivery of target that no unexpired lease
// holds, when it is due at now, until now+lease; nil when there is none,
// or when the oldest is not due yet (so that a target's deliveries go in
// order).
func (b *Box) Claim(now time.Time, target string, lease time.Duration) *record.AlertDelivery {
	b.mu.Lock()
	defer b.mu.Unlock()
	var oldest *row
	for _, r := range b.rows {
		if r.d.Target != target || (r.d.Lease != "" && now.Before(r.d.LeasedUntil)) {
			continue
		}
		if oldest == nil || r.seq < oldest.seq {
			oldest = r
		}
	}
	if oldest == nil || now.Before(oldest.d.NotBefore) {
		return nil
	}
	oldest.d.Lease, oldest.d.LeasedUntil = NewLease(), now.Add(lease)
	return clone(&oldest.d)
}

// Retry writes d's Attempts, NotBefore and LeasedUntil when d.Lease still
// holds it; a zero LeasedUntil releases it. It returns an error wrapping
// record.ErrConflict when the lease is lost.
func (b *Box) Retry(d *record.AlertDelivery) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, err := b.held(d)
	if err != nil {
		return err
	}
	r.d.Attempts, r.d.NotBefore, r.d.LeasedUntil = d.Attempts, d.NotBefore, d.LeasedUntil
	if d.LeasedUntil.IsZero() {
		r.d.Lease = ""
	}
	return nil
}

// Complete removes d when d.Lease still holds it, and returns an error
// wrapping record.ErrConflict when the lease is lost.
func (b *Box) Complete(d *record.AlertDelivery) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, err := b.held(d)
	if err != nil {
		return err
	}
	b.bytes -= len(r.d.Event)
	delete(b.rows, d.ID)
	return nil
}

func (b *Box) held(d *record.AlertDelivery) (*row, error) {
	if d == nil {
		return nil, errors.New("delivery is nil")
	}
	r, ok := b.rows[d.ID]
	if !ok || d.Lease == "" || r.d.Lease != d.Lease {
		return nil, fmt.Errorf("delivery %q is not held by lease %q: %w", d.ID, d.Lease, record.ErrConflict)
	}
	return r, nil
}

func clone(d *record.AlertDelivery) *record.AlertDelivery {
	c := *d
	c.Event = append([]byte(nil), d.Event...)
	return &c
}
