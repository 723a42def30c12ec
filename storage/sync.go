package storage

import (
	"context"

	"github.com/smokex/smokex/record"
)

// SyncStore is an optional interface of a Store that keeps the state of
// the plans' sync from a source (a git repository): the last revision
// applied, what it changed, its errors and the plans the source holds.
// The engine writes it after each sync, holding the SyncLocker's lock
// when the store has one, so that every process sharing the store shows
// the same sync and a restarted one knows which stored plans the source
// manages. A store that is not one leaves the state in the engine's
// memory.
type SyncStore interface {
	// GetSyncState returns the stored state, ErrNotFound when none was
	// saved.
	GetSyncState(ctx context.Context) (*SyncState, error)
	// SaveSyncState replaces the stored state with s (s is not modified).
	// An error when s is nil.
	SaveSyncState(ctx context.Context, s *SyncState) error
}

// SyncState is the state of a sync. It is defined in the record package,
// with the JSON that the API answers.
type SyncState = record.SyncState
