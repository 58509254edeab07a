package ica

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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
//   - Certificate, redirect-loop and malformed-request errors, and every other status: never.
//
// Waits grow exponentially from RetryWaitMin with full jitter, never beyond RetryWaitMax; a
// Retry-After header (seconds or HTTP date) on 429/503 replaces the computed wait, capped at
// RetryWaitMax. The caller's context ends the waiting at once.
func checkRetry(idempotent bool) retryablehttp.CheckRetry {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if err != nil {
			if !retryableTransportError(err) {
				return false, err
			}
			return idempotent || neverSent(err), nil
		}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
			return true, nil
		case resp.StatusCode == http.StatusNotImplemented:
			return false, nil
		case resp.StatusCode >= 500 || resp.StatusCode == 0:
			return idempotent, nil
		}
		return false, nil
	}
}

// retryableTransportError rejects failures that repeat identically on every attempt.
func retryableTransportError(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostnameErr      x509.HostnameError
		invalidCert      x509.CertificateInvalidError
		verifyErr        *tls.CertificateVerificationError
		recordHeaderErr  tls.RecordHeaderError
	)
	if errors.As(err, &unknownAuthority) || errors.As(err, &hostnameErr) || errors.As(err, &invalidCert) ||
		errors.As(err, &verifyErr) || errors.As(err, &recordHeaderErr) {
		return false
	}
	msg := err.Error()
	for _, permanent := range []string{"stopped after", "unsupported protocol scheme", "invalid header", "certificate is not trusted"} {
		if strings.Contains(msg, permanent) {
			return false
		}
	}
	return true
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
