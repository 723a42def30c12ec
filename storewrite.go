package smokex

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// writeAgain runs an idempotent write until it succeeds, fails for a reason
// a retry cannot mend, or ctx ends. An error that wraps
// storage.ErrUnavailable (a connection lost, the database away) is tried
// again after storeRetryWait, the wait doubling up to a second. Such an
// error leaves unknown whether the write was committed: when a later try
// then fails with storage.ErrConflict, committed tells whether what is
// stored is the earlier try, and the write is done. warn is told of each
// retry.
func writeAgain(ctx context.Context, write func(context.Context) error, committed func(context.Context) bool, warn func(wait time.Duration, err error)) error {
	wait := storeRetryWait
	for try := 1; ; try++ {
		err := write(ctx)
		switch {
		case err == nil:
			return nil
		case try > 1 && errors.Is(err, storage.ErrConflict) && committed(ctx):
			return nil
		case !errors.Is(err, storage.ErrUnavailable) || ctx.Err() != nil:
			return err
		}
		warn(wait, err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, time.Second)
	}
}

// createExecution stores x as created, trying again while the store is
// unavailable, for at most storeTimeout: a tick must not be lost to a
// dropped connection. The ID is new and this engine's, so an execution
// stored under it by the time a retry conflicts is the earlier try's.
func (e *Engine) createExecution(ctx context.Context, x *record.Execution) error {
	cctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	return writeAgain(cctx,
		func(ctx context.Context) error { return e.insertExecution(ctx, x) },
		func(ctx context.Context) bool {
			got, err := e.store.GetExecution(ctx, x.ID)
			return err == nil && got.PlanID == x.PlanID
		},
		func(wait time.Duration, err error) {
			e.cfg.Logger.Warn("smokex: storing new execution, trying again", "plan", x.PlanID, "execution", x.ID, "in", wait, "error", err)
		})
}

// appendStep stores r, trying again while the store is unavailable, for at
// most storeTimeout. The engine alone appends the steps of an execution
// it runs, one per index, so a retry that conflicts finds the earlier
// try's row.
func (o *engineObserver) appendStep(ctx context.Context, x *record.Execution, r *record.StepResult) error {
	sctx, cancel := storeCtx(ctx)
	defer cancel()
	return writeAgain(sctx,
		func(ctx context.Context) error { return o.e.store.AppendStep(ctx, x.ID, r) },
		func(context.Context) bool { return true },
		func(wait time.Duration, err error) {
			o.e.cfg.Logger.Warn("smokex: storing step result, trying again", "plan", x.PlanID, "execution", x.ID, "step", r.Index, "in", wait, "error", err)
		})
}

// unstored is a step result that could not be stored.
type unstored struct {
	index int
	name  string
	err   error
}

// maxUnstoredNamed is how many missing steps the error of an execution
// names one by one.
const maxUnstoredNamed = 10

// markIncomplete gives x, about to be stored as finished, an error naming
// the steps that could not be stored, so that no execution is stored as
// finished with holes and nothing says so. x keeps its status: it is what
// the run found. An error x already has keeps its kind and gains the text.
func markIncomplete(x *record.Execution, missing []unstored) {
	if len(missing) == 0 {
		return
	}
	var b strings.Builder
	if len(missing) == 1 {
		b.WriteString("step ")
	} else {
		b.WriteString("steps ")
	}
	for i, m := range missing {
		if i == maxUnstoredNamed {
			fmt.Fprintf(&b, " and %d more", len(missing)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(m.index + 1))
		if m.name != "" {
			b.WriteString(" (" + m.name + ")")
		}
	}
	fmt.Fprintf(&b, " of %d could not be stored, the stored execution lacks them: %v", len(x.Steps), missing[len(missing)-1].err)
	if x.Error == nil {
		x.Error = &record.StepError{Kind: record.ErrStorage, Message: b.String()}
		return
	}
	x.Error.Message += "; " + b.String()
}
