package plan_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

// TestPlanIsSafeForConcurrentUse evaluates one plan's templates and
// expressions, shared between steps, from several goroutines at once; run
// with -race.
func TestPlanIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse(bigPlan(20), nil)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			env := plan.Env{"base": "https://x.test", "TOKEN": "t", "status": 200, "duration": g}
			for _, s := range p.Steps {
				if _, err := s.URL.EvalString(env); err != nil {
					errs <- err
					return
				}
				if _, err := s.Body.Eval(env); err != nil {
					errs <- err
					return
				}
				for _, a := range s.Expect.Assert {
					if _, err := a.Eval(env); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
