package ica

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// failThen answers the first n requests with status (and Retry-After when set), then 200 {}.
func failThen(n int32, status int, retryAfterValue string) (func(http.ResponseWriter, *http.Request, []byte), *atomic.Int32) {
	var count atomic.Int32
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		if count.Add(1) <= n {
			if retryAfterValue != "" {
				w.Header().Set("Retry-After", retryAfterValue)
			}
			writeProblem(w, status, http.StatusText(status), "try later")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": "6b4a3f0e-7c1d-4e55-9a0b-2f1e3d4c5b6a"})
	}, &count
}

func TestRetryPolicyByStatusAndOperation(t *testing.T) {
	get := func(c *Client) error { _, err := c.ListRegions(context.Background()); return err }
	create := func(c *Client) error {
		_, err := c.CreateStorageCredential(context.Background(), CreateStorageCredential{Name: "n", Type: CredentialTypeAWSUser})
		return err
	}
	share := func(c *Client) error { return c.ShareStorageCredential(context.Background(), "6b4a3f0e") }
	tests := []struct {
		name       string
		call       func(*Client) error
		status     int
		failures   int32
		wantTries  int32
		wantStatus int // 0: success
	}{
		{"GET 429 then ok", get, 429, 2, 3, 0},
		{"GET 503 then ok", get, 503, 1, 2, 0},
		{"GET 500 then ok", get, 500, 1, 2, 0},
		{"GET 502 then ok", get, 502, 1, 2, 0},
		{"GET 503 gives up after MaxRetries", get, 503, 100, 4, 503},
		{"GET 501 not retried", get, 501, 100, 1, 501},
		{"GET 400 not retried", get, 400, 100, 1, 400},
		{"GET 404 not retried", get, 404, 100, 1, 404},
		{"GET 409 not retried", get, 409, 100, 1, 409},
		{"GET 403 not retried", get, 403, 100, 1, 403},
		{"create 429 retried", create, 429, 1, 2, 0},
		{"create 503 retried", create, 503, 1, 2, 0},
		{"create 500 not retried", create, 500, 100, 1, 500},
		{"create 502 not retried", create, 502, 100, 1, 502},
		{"create 409 not retried", create, 409, 100, 1, 409},
		{"share 500 retried", share, 500, 1, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeICA(t)
			h, count := failThen(tt.failures, tt.status, "")
			f.setHandler(h)
			err := tt.call(f.client(t))
			if got := count.Load(); got != tt.wantTries {
				t.Errorf("attempts = %d, want %d", got, tt.wantTries)
			}
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if apiErr.StatusCode != tt.wantStatus || apiErr.Detail != "try later" || apiErr.ID != "err-123" {
				t.Fatalf("APIError = %+v, want the last answer (status %d, its detail and id)", apiErr, tt.wantStatus)
			}
		})
	}
}

func TestRetryAfterHonouredAndCapped(t *testing.T) {
	f := newFakeICA(t)
	h, count := failThen(1, http.StatusTooManyRequests, "30")
	f.setHandler(h)
	c := f.client(t, func(cfg *Config) { cfg.RetryWaitMin = time.Millisecond; cfg.RetryWaitMax = 150 * time.Millisecond })
	if _, err := c.ListRegions(context.Background()); err != nil { // mint outside the measurement
		t.Fatal(err)
	}
	count.Store(0)
	start := time.Now()
	if _, err := c.ListRegions(context.Background()); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if count.Load() != 2 {
		t.Fatalf("attempts = %d, want 2", count.Load())
	}
	// Retry-After: 30 seconds, capped at RetryWaitMax (150ms); without the header the wait is ≤ 1ms·2⁰.
	if elapsed < 140*time.Millisecond || elapsed > 5*time.Second {
		t.Fatalf("elapsed %v, want about RetryWaitMax (150ms): Retry-After honoured but capped", elapsed)
	}
}

func TestRetryAfterAsHTTPDate(t *testing.T) {
	f := newFakeICA(t)
	h, count := failThen(1, http.StatusServiceUnavailable, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
	f.setHandler(h)
	c := f.client(t, func(cfg *Config) { cfg.RetryWaitMax = 80 * time.Millisecond })
	start := time.Now()
	if _, err := c.ListRegions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 75*time.Millisecond || count.Load() != 2 {
		t.Fatalf("elapsed %v, attempts %d: want one wait of RetryWaitMax (80ms) for a date an hour ahead", elapsed, count.Load())
	}
}

func TestMaxRetriesZeroMeansOneAttempt(t *testing.T) {
	f := newFakeICA(t)
	h, count := failThen(100, http.StatusServiceUnavailable, "")
	f.setHandler(h)
	_, err := f.client(t, func(cfg *Config) { cfg.MaxRetries = 0 }).ListRegions(context.Background())
	if err == nil || count.Load() != 1 {
		t.Fatalf("err %v, attempts %d: want one failed attempt", err, count.Load())
	}
}

func TestContextCancelStopsRetrying(t *testing.T) {
	f := newFakeICA(t)
	h, count := failThen(1000, http.StatusServiceUnavailable, "")
	f.setHandler(h)
	c := f.client(t)
	if err := c.ShareStorageCredential(context.Background(), credID); err == nil { // mint first; the 503 is expected
		t.Fatal("want the 503")
	}
	count.Store(0)
	c.maxRetries, c.retryWaitMin, c.retryWaitMax = 50, 3*time.Second, 10*time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ListRegions(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	// The first retry would wait at least RetryWaitMin (3s): returning well before proves the
	// deadline ended the waiting.
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("returned after %v; the context deadline (200ms) must end the waiting", elapsed)
	}
	if count.Load() != 1 {
		t.Fatalf("attempts = %d, want 1 before the deadline", count.Load())
	}
}

// dropFirst closes the connection without answering for the first n API requests.
func dropFirst(t *testing.T, f *fakeICA, n int32) *atomic.Int32 {
	var count atomic.Int32
	f.setHandler(func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		if count.Add(1) <= n {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			conn.Close()
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"id": "6b4a3f0e-7c1d-4e55-9a0b-2f1e3d4c5b6a"})
	})
	return &count
}

func TestDroppedConnectionRetriedForIdempotentCalls(t *testing.T) {
	f := newFakeICA(t)
	count := dropFirst(t, f, 2)
	if _, err := f.client(t).GetStorageCredential(context.Background(), "6b4a3f0e"); err != nil {
		t.Fatalf("err = %v, want success after two dropped connections", err)
	}
	if count.Load() != 3 {
		t.Fatalf("attempts = %d, want 3", count.Load())
	}
}

func TestDroppedConnectionNotRetriedForCreates(t *testing.T) {
	f := newFakeICA(t)
	count := dropFirst(t, f, 1)
	_, err := f.client(t).CreateStorageCredential(context.Background(), CreateStorageCredential{Name: "n", Type: CredentialTypeAWSUser})
	if err == nil {
		t.Fatal("want an error: a create whose answer was lost must not be repeated")
	}
	if count.Load() != 1 {
		t.Fatalf("attempts = %d, want 1", count.Load())
	}
	for _, want := range []string{"POST /api/storageCredentials", "may have reached ICA", "adopts it"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestRefusedConnectionRetriedEvenForCreates(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every dial is refused
	c, err := New(Config{BaseURL: "http://" + addr + "/ica/rest", AccessToken: "jwt", MaxRetries: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateStorageCredential(context.Background(), CreateStorageCredential{Name: "n", Type: CredentialTypeAWSUser})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"POST /api/storageCredentials", "after 3 attempts", "refused"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "may have reached ICA") {
		t.Errorf("error %q says the create may have happened, but the connection was never made", err)
	}
}

func TestBackoffBounds(t *testing.T) {
	const minWait, maxWait = 10 * time.Millisecond, 100 * time.Millisecond
	for attempt := 0; attempt < 70; attempt++ {
		ceiling := maxWait
		if attempt < 4 {
			ceiling = minWait << attempt
		}
		for i := 0; i < 50; i++ {
			if got := backoff(minWait, maxWait, attempt, nil); got < minWait || got > ceiling {
				t.Fatalf("attempt %d: wait %v outside [%v, %v]", attempt, got, minWait, ceiling)
			}
		}
	}
	// Full jitter: waits at a later attempt are spread, not a constant.
	seen := map[time.Duration]bool{}
	for i := 0; i < 50; i++ {
		seen[backoff(minWait, maxWait, 5, nil)] = true
	}
	if len(seen) < 10 {
		t.Fatalf("only %d distinct waits in 50 draws: no jitter", len(seen))
	}
	resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"3"}}}
	if got := backoff(minWait, time.Minute, 0, resp); got != 3*time.Second {
		t.Fatalf("Retry-After 3 → %v, want 3s", got)
	}
	if got := backoff(minWait, maxWait, 0, resp); got != maxWait {
		t.Fatalf("Retry-After 3 with RetryWaitMax 100ms → %v, want 100ms", got)
	}
	resp.StatusCode = http.StatusInternalServerError
	if got := backoff(minWait, time.Minute, 0, resp); got != minWait {
		t.Fatalf("Retry-After on a 500 → %v, want it ignored (%v)", got, minWait)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 11, 28, 22, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
		{"Sat, 28 Nov 2026 22:00:30 GMT", 30 * time.Second, true},
		{"Saturday, 28-Nov-26 22:01:00 GMT", time.Minute, true},
		{"Sat Nov 28 22:00:05 2026", 5 * time.Second, true},
		{"Sat, 28 Nov 2026 21:00:00 GMT", 0, true}, // in the past: retry now
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.value, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.ok)
		}
	}
}

func TestUntrustedCertificateNotRetried(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("a request got through an untrusted certificate")
	}))
	var handshakes atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			handshakes.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, AccessToken: "jwt", MaxRetries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListRegions(context.Background())
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v, want a certificate error", err)
	}
	if got := handshakes.Load(); got != 1 {
		t.Fatalf("connections = %d, want 1: a certificate error repeats identically, so it is not retried", got)
	}
}
