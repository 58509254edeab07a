package ica

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// hangFirst makes the first n API requests wait until the client gives up on them; later ones answer.
func hangFirst(f *fakeICA, n int32) *atomic.Int32 {
	var count atomic.Int32
	f.setHandler(func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if count.Add(1) <= n {
			<-r.Context().Done()
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"id": credID})
	})
	return &count
}

func stallClient(t *testing.T, f *fakeICA) *Client {
	return f.client(t, func(cfg *Config) {
		cfg.AccessToken, cfg.APIKey = "jwt-1.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl", ""
		cfg.RequestTimeout = 5 * time.Second
		cfg.MaxRetries = 2
	})
}

func TestStalledReadIsRetriedAndSucceeds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newMemoryICA(t)
		f.valid["jwt-1.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"] = true
		count := hangFirst(f, 1)
		c := stallClient(t, f)
		start := time.Now()
		if _, err := c.GetStorageCredential(context.Background(), credID); err != nil {
			t.Fatalf("err = %v, want success on the attempt after the stalled one", err)
		}
		if count.Load() != 2 {
			t.Fatalf("attempts = %d, want 2", count.Load())
		}
		if elapsed := time.Since(start); elapsed < 5*time.Second || elapsed > 6*time.Second {
			t.Fatalf("took %v, want the 5s request timeout plus a few milliseconds of backoff", elapsed)
		}
		// One stall that a retry overcame does not mark the endpoint as stalled.
		if _, err := c.GetStorageCredential(context.Background(), credID); err != nil || count.Load() != 3 {
			t.Fatalf("next call: err %v, attempts %d; want it sent and answered", err, count.Load())
		}
	})
}

func TestStalledEndpointCostsOneBoundedCallThenFailsFast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newMemoryICA(t)
		f.valid["jwt-1.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"] = true
		count := hangFirst(f, 1000)
		c := stallClient(t, f)
		start := time.Now()
		_, err := c.ListStorageCredentials(context.Background())
		elapsed := time.Since(start)
		// attempt timeout × (retries + 1) + backoff (here at most 5ms per retry).
		if elapsed < 15*time.Second || elapsed > 15*time.Second+20*time.Millisecond {
			t.Fatalf("a stalled call took %v, want 3 × 5s plus the backoff", elapsed)
		}
		if count.Load() != 3 {
			t.Fatalf("attempts = %d, want 3 (a read is retried after a timeout)", count.Load())
		}
		if !errors.Is(err, ErrNoAnswer) || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v: want ErrNoAnswer, and not the caller's deadline (the caller set none)", err)
		}
		for _, want := range []string{"ICA at https://ica.test/ica/rest", "did not answer GET /api/storageCredentials within 5s",
			"(3 attempts)", "base_url", "HTTPS_PROXY", "VPC endpoint", "request_timeout"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}

		// The endpoint stalled: every later call of this process fails at once, without a request.
		start = time.Now()
		err = c.ShareStorageCredential(context.Background(), credID)
		if time.Since(start) != 0 || count.Load() != 3 {
			t.Fatalf("after a stall a call took %v and sent %d requests in all; want no time and no request", time.Since(start), count.Load())
		}
		for _, want := range []string{"did not answer GET /api/storageCredentials within 5s earlier in this run",
			"so POST /api/storageCredentials/" + credID + ":share was not sent", "request_timeout"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		if !errors.Is(err, ErrNoAnswer) {
			t.Errorf("err = %v, want ErrNoAnswer", err)
		}
	})
}

func TestStalledCreateIsNotRepeated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newMemoryICA(t)
		f.valid["jwt-1.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"] = true
		count := hangFirst(f, 1)
		c := stallClient(t, f)
		_, err := c.CreateStorageCredential(context.Background(), CreateStorageCredential{Name: "n", Type: CredentialTypeAWSUser})
		if count.Load() != 1 {
			t.Fatalf("attempts = %d, want 1: a create that got no answer may have happened", count.Load())
		}
		for _, want := range []string{"did not answer POST /api/storageCredentials within 5s", "may have reached ICA", "adopts it by name"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v lacks %q", err, want)
			}
		}
	})
}

func TestCallerDeadlineIsNotAStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newMemoryICA(t)
		f.valid["jwt-1.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"] = true
		count := hangFirst(f, 1)
		c := stallClient(t, f)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := c.ListRegions(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrNoAnswer) {
			t.Fatalf("err = %v, want the caller's deadline, not a stall", err)
		}
		if _, err := c.ListRegions(context.Background()); err != nil || count.Load() != 2 {
			t.Fatalf("next call: err %v, attempts %d; the caller's own deadline must not mark the endpoint", err, count.Load())
		}
	})
}
