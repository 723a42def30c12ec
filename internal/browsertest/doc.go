// Package browsertest drives Debian's chromium, headless, through chromedp,
// for the tests of the dashboard: the admin package's and smokex serve's.
//
// Without chromium a test that asks for a browser skips, except under
// CI=true, where it fails: .ci/run installs chromium. Screenshots go to the
// directory $SMOKEX_SCREENSHOTS when it is set, else to the test's
// temporary directory.
package browsertest
