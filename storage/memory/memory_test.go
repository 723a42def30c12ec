package memory_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
	"github.com/smokex/smokex/storage/storagetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStore(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T) storage.Store {
		return memory.New(memory.Config{})
	})
}
