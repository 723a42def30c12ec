package notify_test

import (
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/storage"
)

// The policy's state store is the storage contract's AlertStore: a store
// that is one is a StateStore, so that the two cannot drift apart.
var _ notify.StateStore = storage.AlertStore(nil)
