package exec

import (
	"context"
	"slices"
	"time"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// Sizes of what a result keeps of a body.
const (
	// ExcerptSize is how much of a response body a failed step keeps when
	// it does not run with debug.
	ExcerptSize = 2 << 10
	// DebugBodySize is how much of a request or response body a step
	// keeps with debug: a longer body is cut there (Response.Size still
	// tells its size), so that a plan that debugs large bodies holds no
	// more than this per step.
	DebugBodySize = 64 << 10
	// MaxAttemptLog is how many entries of the attempt log a step keeps,
	// the latest; Attempts still counts every request.
	MaxAttemptLog = 100
	// maxReceived bounds each text of a failure.
	maxReceived = 1000
	// maxOperand bounds one operand's value in an assert failure.
	maxOperand = 200
	// maxMessage bounds a step error's message.
	maxMessage = 1000
)

func (s *run) runStep(ctx context.Context, i int, step *plan.Step, res *record.StepResult) {
	start := time.Now()
	*res = record.StepResult{Index: i, Method: step.Method, StartedAt: start}
	defer func() {
		if res.Name == "" {
			// The step never got to send: named by its template.
			res.Name = s.stepName(step)
		}
		res.Duration = time.Since(start)
		if len(res.AttemptLog) < 2 {
			res.AttemptLog = nil
		}
	}()
	if step.URL != nil {
		res.URL = s.red.String(withoutPassword(step.URL.Raw()))
	}
	o, serr := s.options(step)
	if serr != nil {
		res.Error = serr
		return
	}
	out, serr := s.buildRequest(step)
	if serr != nil {
		res.Error = serr
		return
	}
	res.URL = s.red.URL(out.shown)
	if step.Name == "" {
		// Named by the URL as sent, not by its template.
		res.Name = step.Method + " " + res.URL
	} else {
		res.Name = s.red.String(step.Name)
	}
	res.Request = s.recordRequest(out, res.URL)
	if o.debug && out.hasBody {
		res.Request.Body = s.excerpt(out.body, DebugBodySize)
	}
	var deadline time.Time
	if o.poll.For > 0 {
		deadline = start.Add(o.poll.For)
	}
	for {
		s.exchange(ctx, step, out, o, res)
		if n := len(res.AttemptLog); n > 0 {
			res.AttemptLog[n-1].OK = res.OK
		}
		if res.OK || deadline.IsZero() || ctx.Err() != nil || !pollable(res.Error) {
			res.Degraded = res.OK && o.degradedAfter > 0 && res.Timings.Total > o.degradedAfter
			return
		}
		// for bounds the whole wait: the next attempt comes after every,
		// or at the deadline when that is sooner, and none after it.
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		wait := min(o.poll.Every, left)
		if len(res.AttemptLog) > 0 && &res.AttemptLog[0] == &s.firstAttempt[0] {
			// The observer may keep the log; the next step reuses this space.
			res.AttemptLog = slices.Clone(res.AttemptLog)
		}
		s.ob.stepPolling(ctx, s.ref, s.e, res, time.Now().Add(wait), deadline)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		res.Response, res.Failures, res.Error, res.Captures, res.TLS = nil, nil, nil, nil, nil
	}
}

// pollable tells whether a poll tries a step again after err: a failed
// assertion or a request that may work later, not a plan's own mistake.
func pollable(err *record.StepError) bool {
	if err == nil {
		return true
	}
	switch err.Kind {
	case record.ErrInterpolation, record.ErrInvalidURL, record.ErrCanceled:
		return false
	}
	return true
}

// exchange sends the request (with its retries), then checks the response
// and captures from it.
func (s *run) exchange(ctx context.Context, step *plan.Step, out *outgoing, o stepOptions, res *record.StepResult) {
	rc, serr := s.send(ctx, out, o, res)
	if rc != nil {
		resp := rc.resp
		res.Response = &record.Response{StatusCode: resp.StatusCode, Proto: resp.Proto, Headers: s.redactHeader(resp.Header), Size: rc.size}
		res.TLS = tlsOf(resp)
	}
	if serr != nil {
		res.Error = serr
		return
	}
	resp := rc.resp

	c := checker{s: s, step: step, resp: resp, body: s.buf.Bytes(), res: res}
	c.check()
	if o.maxDuration > 0 && res.Timings.Total > o.maxDuration {
		c.failAt(o.maxDurationPos, record.Failure{Type: record.FailureDuration, Name: "max_duration",
			Expected: "at most " + o.maxDuration.String(), Received: res.Timings.Total.Round(time.Millisecond).String()})
	}
	secrets := len(s.secrets)
	c.capture()
	if len(s.secrets) != secrets {
		s.redactResult(res, resp.Header)
	}
	res.OK = len(res.Failures) == 0 && res.Error == nil
	switch {
	case o.debug:
		res.Response.Body = c.bodyExcerpt(DebugBodySize)
	case !res.OK:
		res.Response.Body = c.bodyExcerpt(ExcerptSize)
	}
}

// stepOptions are a step's options resolved for one run.
type stepOptions struct {
	timeout  time.Duration
	retries  int
	follow   bool
	insecure bool
	debug    bool
	poll     plan.Poll
	// degradedAfter and maxDuration are off when zero.
	degradedAfter, maxDuration time.Duration
	maxDurationPos             plan.Pos
}

func (s *run) options(step *plan.Step) (stepOptions, *record.StepError) {
	o := step.Options.Merge(s.p.Options)
	var so stepOptions
	var err error
	if so.timeout, err = resolveSetting(s, o.Timeout, s.r.timeout, toDuration); err != nil {
		return so, s.interpolationError("option timeout", err)
	}
	if so.retries, err = resolveSetting(s, o.Retries, plan.DefaultRetries, toRetries); err != nil {
		return so, s.interpolationError("option retries", err)
	}
	if so.follow, err = resolveSetting(s, o.FollowRedirects, plan.DefaultFollowRedirects, toBool); err != nil {
		return so, s.interpolationError("option follow_redirects", err)
	}
	if so.insecure, err = resolveSetting(s, o.Insecure, plan.DefaultInsecure, toBool); err != nil {
		return so, s.interpolationError("option insecure", err)
	}
	if so.debug, err = resolveSetting(s, o.Debug, plan.DefaultDebug, toBool); err != nil {
		return so, s.interpolationError("option debug", err)
	}
	if o.Poll.Set {
		so.poll = o.Poll.Value
	}
	if so.degradedAfter, err = resolveSetting(s, o.DegradedAfter, 0, toDuration); err != nil {
		return so, s.interpolationError("option degraded_after", err)
	}
	if so.maxDuration, err = resolveSetting(s, o.MaxDuration, 0, toDuration); err != nil {
		return so, s.interpolationError("option max_duration", err)
	}
	so.maxDurationPos = o.MaxDuration.Pos
	if so.timeout <= 0 {
		so.timeout = s.r.timeout
	}
	if so.retries < 0 {
		so.retries = 0
	}
	return so, nil
}
