// Package notifytest is the conformance suite of notify.Notifier, the way
// storage/storagetest serves stores. Every provider in notify's
// subpackages runs it, and so can a host's own notifier that speaks HTTP:
//
//	func TestNotifier(t *testing.T) {
//		notifytest.Run(t, func(t *testing.T, endpoint string) notify.Notifier {
//			n, err := mynotifier.New(mynotifier.Config{URL: endpoint})
//			require.NoError(t, err)
//			return n
//		})
//	}
//
// Run points the notifier at servers of its own and checks that it
// delivers every kind of event (Events) with one request, that an answer
// other than 2xx is an error naming the status (a *notify.StatusError, so
// that delivery retries 429 and 5xx and honours Retry-After), that it
// honours cancellation while the receiver hangs and before it is called,
// that it is safe for concurrent use, and that it leaves no goroutine
// behind. It needs only the standard library and testify.
package notifytest
