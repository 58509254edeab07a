package ica

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// ErrNoAnswer is wrapped by the error of every call that got no answer within the request timeout,
// and of every later call that was not sent because the endpoint had stalled.
var ErrNoAnswer = errors.New("ICA did not answer in time")

// NoAnswerError is a call that ICA did not answer within the request timeout on any attempt.
type NoAnswerError struct {
	Endpoint string        // the base URL
	Method   string        // of the call that stalled
	Path     string        // of the call that stalled
	Timeout  time.Duration // the limit of each attempt
	Attempts int
	// MayExist is set when the call was a create that may have happened although its answer was lost.
	MayExist bool
	// Skipped names the call ("GET /api/regions") that was not sent because this earlier one stalled.
	Skipped string
}

func (e *NoAnswerError) Error() string {
	var what string
	if e.Skipped != "" {
		what = fmt.Sprintf("ICA at %s did not answer %s %s within %s earlier in this run, so %s was not sent",
			e.Endpoint, e.Method, e.Path, e.Timeout, e.Skipped)
	} else {
		what = fmt.Sprintf("ICA at %s did not answer %s %s within %s", e.Endpoint, e.Method, e.Path, e.Timeout)
		if e.Attempts > 1 {
			what += fmt.Sprintf(" (%d attempts)", e.Attempts)
		}
	}
	what += ": check that base_url is right and that this machine reaches it (proxy settings such as HTTPS_PROXY " +
		"and NO_PROXY, firewall, VPC endpoint), or raise the provider's request_timeout if ICA is only slow"
	if e.MayExist {
		what += "; " + mayExistAdvice
	}
	return what
}

func (e *NoAnswerError) Unwrap() error { return ErrNoAnswer }

// noAnswer returns the NoAnswerError for a call whose last attempt ran out of its time limit (and
// remembers it for the endpoint), or nil when err is something else, such as the caller's own
// cancellation.
func (c *Client) noAnswer(ctx context.Context, req request, attempts int, err error) error {
	if !attemptTimedOut(ctx, err) {
		return nil
	}
	stall := &NoAnswerError{
		Endpoint: c.baseURL, Method: req.method, Path: req.path, Timeout: c.requestTimeout, Attempts: attempts,
		MayExist: mayHaveActed(req, unwrapURLError(err)),
	}
	c.mu.Lock()
	if c.stalled == nil {
		c.stalled = stall
	}
	c.mu.Unlock()
	return stall
}

// attemptTimedOut reports whether err is an attempt's own time limit, not the caller's cancellation.
func attemptTimedOut(ctx context.Context, err error) bool {
	var netErr net.Error
	return ctx.Err() == nil && errors.As(err, &netErr) && netErr.Timeout()
}

// stalledBefore fails a call at once when an earlier call to the endpoint got no answer in time.
func (c *Client) stalledBefore(req request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stalled == nil {
		return nil
	}
	earlier := *c.stalled
	earlier.Skipped = req.method + " " + req.path
	earlier.MayExist = false
	return &earlier
}
