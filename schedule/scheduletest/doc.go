// Package scheduletest is the conformance suite of schedule.Scheduler.
// Every scheduler in this module passes it, and a host's own scheduler can
// run it too:
//
//	func TestConformance(t *testing.T) {
//		scheduletest.Run(t, func(t *testing.T, fn schedule.Func) (schedule.Scheduler, *scheduletest.Features) {
//			s, err := mysched.New(mysched.Config{Func: fn})
//			require.NoError(t, err)
//			return s, nil
//		})
//	}
//
// A scheduler whose clock a test can drive declares it in Features.Clock,
// and the suite then checks every tick at its exact due time. One without
// (a scheduler shared by replicas runs on the database's clock) runs the
// same scenarios on the real clock with short @every specs, which takes a
// few seconds.
package scheduletest
