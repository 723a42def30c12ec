package email_test

import (
	"fmt"

	"github.com/smokex/smokex/notify/email"
)

// ParseURL reads the configuration from one URL, as SMOKEX_SMTP_URL holds
// it, so that the password stays off the command line; email.New(cfg)
// then sends over STARTTLS.
func ExampleParseURL() {
	cfg, err := email.ParseURL("smtp://smokex:s3cret@smtp.example.com?from=smokex@example.com&to=ops@example.com,oncall@example.com")
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg.Addr, cfg.Username, cfg.From, cfg.To)

	_, err = email.ParseURL("smtp://smtp.example.com:587?to=ops@example.com")
	fmt.Println(err)
	// Output:
	// smtp.example.com:587 smokex smokex@example.com [ops@example.com oncall@example.com]
	// email: From is not an address: ""; the URL gives From as from= and To as to=
}
