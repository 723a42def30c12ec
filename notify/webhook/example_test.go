package webhook_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/smokex/smokex/notify/webhook"
)

// A receiver checks the Smokex-Signature header against the raw body
// before it decodes it: Verify accepts the body that was signed and
// rejects any other, and a signature older than the allowed age.
func ExampleVerify() {
	body := []byte(`{"id":"x1:failing","transition":"failing"}`)
	header := webhook.Sign("s3cret", time.Now(), body)

	fmt.Println(webhook.Verify("s3cret", header, body, 0))
	err := webhook.Verify("s3cret", header, []byte(`{"id":"x1:recovered"}`), 0)
	fmt.Println(errors.Is(err, webhook.ErrBadSignature))
	old := webhook.Sign("s3cret", time.Now().Add(-time.Hour), body)
	err = webhook.Verify("s3cret", old, body, 0)
	fmt.Println(errors.Is(err, webhook.ErrTooOld))
	// Output:
	// <nil>
	// true
	// true
}
