package ica

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
)

func TestTokenMintedOnceAcrossSequentialCalls(t *testing.T) {
	f := newFakeICA(t)
	c := f.client(t)
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		if _, err := c.ListStorageCredentials(ctx); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Fatalf("token calls = %d, want 1", got)
	}
	for _, r := range f.recorded() {
		if got := r.Header.Get("Authorization"); !strings.HasPrefix(got, "Bearer jwt-1.") {
			t.Fatalf("Authorization = %q, want the minted JWT", got)
		}
		if r.Header.Get("X-API-Key") != "" {
			t.Fatal("the API key was sent on an API call; only POST /api/tokens may carry it")
		}
	}
}

func TestTokenMintedOnceAcrossConcurrentFirstCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newMemoryICA(t)
		f.tokenGate = make(chan struct{}) // keep the mint in flight until every caller has arrived
		c := f.client(t)
		const callers = 50
		var wg sync.WaitGroup
		errs := make(chan error, callers)
		for i := 0; i < callers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.ListRegions(context.Background())
				errs <- err
			}()
		}
		synctest.Wait() // every caller is now waiting for the one mint
		close(f.tokenGate)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := f.tokenCalls.Load(); got != 1 {
			t.Fatalf("token calls = %d, want 1 for %d concurrent first calls", got, callers)
		}
		if got := len(f.recorded()); got != callers {
			t.Fatalf("API requests = %d, want %d", got, callers)
		}
	})
}

func TestTenantSentWhenMinting(t *testing.T) {
	f := newFakeICA(t)
	var query string
	f.validate = func(r *http.Request, _ []byte) {
		if strings.HasSuffix(r.URL.Path, "/api/tokens") {
			query = r.URL.RawQuery
		}
	}
	c := f.client(t, func(cfg *Config) { cfg.Tenant = "my tenant&x" })
	if _, err := c.ListRegions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if query != "tenant=my+tenant%26x" {
		t.Fatalf("token query = %q, want tenant=my+tenant%%26x", query)
	}
}

func TestReauthenticatesOnceOn401(t *testing.T) {
	f := newFakeICA(t)
	c := f.client(t)
	ctx := context.Background()
	if _, err := c.ListRegions(ctx); err != nil {
		t.Fatal(err)
	}
	f.expireTokens()
	before := len(f.recorded())
	if _, err := c.GetStorageCredential(ctx, "6b4a3f0e-7c1d-4e55-9a0b-2f1e3d4c5b6a"); err != nil {
		t.Fatalf("call after token expiry: %v", err)
	}
	if got := f.tokenCalls.Load(); got != 2 {
		t.Fatalf("token calls = %d, want 2 (one mint, one re-mint after 401)", got)
	}
	reqs := f.recorded()[before:]
	if len(reqs) != 2 {
		t.Fatalf("requests for the call = %d, want 2 (the 401 and the retry)", len(reqs))
	}
	if a, b := reqs[0].Header.Get("Authorization"), reqs[1].Header.Get("Authorization"); a == b || !strings.HasPrefix(b, "Bearer jwt-2.") {
		t.Fatalf("retry used %q after %q, want the new token jwt-2", b, a)
	}
}

func TestPersistent401IsReturnedAfterOneReauthentication(t *testing.T) {
	f := newFakeICA(t)
	f.setHandler(func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeProblem(w, http.StatusUnauthorized, "Unauthorized", "not allowed")
	})
	c := f.client(t)
	_, err := c.ListRegions(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err = %v, want a 401 APIError", err)
	}
	if got := f.tokenCalls.Load(); got != 2 {
		t.Fatalf("token calls = %d, want 2", got)
	}
	if got := len(f.recorded()); got != 2 {
		t.Fatalf("requests = %d, want 2 (no loop)", got)
	}
}

func TestRejectedAPIKeyIsReportedAndNotRetried(t *testing.T) {
	f := newFakeICA(t)
	c := f.client(t, func(cfg *Config) { cfg.APIKey = "wrong-key"; cfg.Tenant = "acme" })
	ctx := context.Background()
	_, err := c.ListRegions(ctx)
	if err == nil {
		t.Fatal("want an error for a rejected API key")
	}
	for _, want := range []string{"POST /api/tokens", "401", "rejected the API key", "ICA_API_KEY", `tenant "acme"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "wrong-key") {
		t.Fatalf("error %q contains the API key", err)
	}
	if _, err2 := c.ListStorageCredentials(ctx); err2 == nil || err2.Error() != err.Error() {
		t.Fatalf("second call err = %v, want the same rejection", err2)
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Fatalf("token calls = %d, want 1: a rejected key is not tried again", got)
	}
	if len(f.recorded()) != 0 {
		t.Fatal("API calls were made without a token")
	}
}

func TestAccessTokenUsedAsIs(t *testing.T) {
	f := newFakeICA(t)
	f.mu.Lock()
	f.valid["user-jwt"] = true
	f.mu.Unlock()
	c := f.client(t, func(cfg *Config) { cfg.APIKey = ""; cfg.AccessToken = "user-jwt" })
	ctx := context.Background()
	if _, err := c.ListRegions(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.recorded()[0].Header.Get("Authorization"); got != "Bearer user-jwt" {
		t.Fatalf("Authorization = %q", got)
	}
	f.expireTokens()
	_, err := c.ListRegions(ctx)
	if !errors.As(err, new(*APIError)) {
		t.Fatalf("err = %v, want an APIError", err)
	}
	for _, want := range []string{"401", "access token", "ICA_ACCESS_TOKEN", "api_key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "user-jwt") {
		t.Fatalf("error %q contains the access token", err)
	}
	if got := f.tokenCalls.Load(); got != 0 {
		t.Fatalf("token calls = %d, want 0 with an access token", got)
	}
	if got := len(f.recorded()); got != 2 {
		t.Fatalf("requests = %d, want 2 (no retry of a rejected access token)", got)
	}
}

func TestNoCredentials(t *testing.T) {
	f := newFakeICA(t)
	c := f.client(t, func(cfg *Config) { cfg.APIKey = "" })
	if c.HasCredentials() {
		t.Fatal("HasCredentials = true without credentials")
	}
	calls := map[string]func() error{
		"ListRegions": func() error { _, err := c.ListRegions(context.Background()); return err },
		"CreateCredential": func() error {
			_, err := c.CreateStorageCredential(context.Background(), CreateStorageCredential{})
			return err
		},
		"Share": func() error { return c.ShareStorageConfiguration(context.Background(), "x") },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrNoCredentials) {
			t.Errorf("%s: err = %v, want ErrNoCredentials", name, err)
		}
	}
	for _, want := range []string{"api_key", "ICA_API_KEY", "access_token", "ICA_ACCESS_TOKEN"} {
		if !strings.Contains(ErrNoCredentials.Error(), want) {
			t.Errorf("ErrNoCredentials %q lacks %q", ErrNoCredentials, want)
		}
	}
	if f.tokenCalls.Load() != 0 || len(f.recorded()) != 0 {
		t.Fatal("requests were sent without credentials")
	}
}

func TestCancelledWaiterDoesNotBreakOtherCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newMemoryICA(t)
		f.tokenGate = make(chan struct{})
		c := f.client(t)
		ctx, cancel := context.WithCancel(context.Background())
		first := make(chan error, 1)
		go func() { _, err := c.ListRegions(ctx); first <- err }()
		synctest.Wait() // the first caller's mint is in flight
		second := make(chan error, 1)
		go func() { _, err := c.ListRegions(context.Background()); second <- err }()
		synctest.Wait() // the second caller waits for that mint
		cancel()
		if err := <-first; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled caller err = %v, want context.Canceled", err)
		}
		close(f.tokenGate)
		if err := <-second; err != nil {
			t.Fatalf("other caller err = %v: the first caller's cancellation must not fail it", err)
		}
		if got := f.tokenCalls.Load(); got != 2 {
			t.Fatalf("token calls = %d, want 2 (the cancelled mint, then one under the other caller's context)", got)
		}
	})
}
