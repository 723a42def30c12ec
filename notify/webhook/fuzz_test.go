package webhook_test

import (
	"testing"
	"time"

	"github.com/smokex/smokex/notify/webhook"
)

// FuzzVerify checks that Verify never panics on what a receiver may be
// sent, that what Sign makes verifies, and that a header it accepts does
// not verify another body.
func FuzzVerify(f *testing.F) {
	f.Add("k", webhook.Sign("k", time.Now(), []byte(`{"id":"x"}`)), []byte(`{"id":"x"}`), int64(1700000000))
	f.Add("k", "t=1,v1=zz,v1=", []byte(""), int64(0))
	f.Add("", "t=,v1=00", []byte("body"), int64(-5))
	f.Fuzz(func(t *testing.T, secret, header string, body []byte, unix int64) {
		signed := webhook.Sign(secret, time.Unix(unix, 0), body)
		if err := webhook.Verify(secret, signed, body, -1); err != nil {
			t.Fatalf("Sign's own header %q does not verify: %v", signed, err)
		}
		if webhook.Verify(secret, header, body, -1) != nil {
			return
		}
		if webhook.Verify(secret, header, append(body[:len(body):len(body)], 'x'), -1) == nil {
			t.Fatalf("%q verifies two bodies", header)
		}
	})
}
