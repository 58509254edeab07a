package ica

import (
	"context"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// The one retry policy of the ICA client.
//
//   - 429 (ICA's documented rate-limit signal) and 503: retried for every call, creates included,
//     because the server refused the request without acting on it.
//   - Other 5xx except 501 (which will not change), and network failures (reset, EOF, timeouts):
//     retried for idempotent calls only (reads, token, :updateSecrets, :share, :validate). A create
//     that failed this way may have happened; repeating it could duplicate the object, so it is
//     reported instead and the resource adopts the object by name on the next apply.
//   - Connection failures before anything was sent (DNS, refused dial): retried for every call.
//   - Certificate, redirect-loop and malformed-request errors (go-retryablehttp's DefaultRetryPolicy),
//     a TLS/plain-HTTP mismatch, and every other status: never.
//   - An attempt that got no answer within the request timeout counts as a network failure: a read
//     is tried again, a create is not (it may have happened) and reports that it may exist.
//
// Waits grow exponentially from RetryWaitMin with full jitter, never beyond RetryWaitMax; a
// Retry-After header (seconds or HTTP date) on 429/503 replaces the computed wait, capped at
// RetryWaitMax. The caller's context ends the waiting at once.
func checkRetry(idempotent bool) retryablehttp.CheckRetry {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		// go-retryablehttp's own policy decides which failures are worth another attempt (it also
		// stops at the caller's cancellation); the idempotency rules above narrow it for creates.
		retry, policyErr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		if !retry || policyErr != nil {
			return false, policyErr
		}
		if err != nil {
			if plaintextTLSMismatch(err) {
				return false, nil
			}
			return idempotent || neverSent(err), nil
		}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			return true, nil
		}
		return idempotent, nil
	}
}

// plaintextTLSMismatch is a TLS handshake answered in plain HTTP (or the reverse), which repeats
// identically on every attempt; the default policy does not know it.
func plaintextTLSMismatch(err error) bool {
	var recordHeaderErr tls.RecordHeaderError
	return errors.As(err, &recordHeaderErr)
}

// neverSent reports whether the request certainly never reached a server: name resolution or
// the TCP connection failed.
func neverSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if wait, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(wait, maxWait)
		}
	}
	ceiling := minWait
	for i := 0; i < attempt && ceiling < maxWait; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, maxWait)
	if ceiling <= minWait {
		return minWait
	}
	return minWait + rand.N(ceiling-minWait+1)
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
func retryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		if seconds < 0 {
			return 0, false
		}
		if seconds > int64(time.Duration(1<<62)/time.Second) {
			return time.Duration(1 << 62), true
		}
		return time.Duration(seconds) * time.Second, true
	}
	at, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	return max(at.Sub(now), 0), true
}
