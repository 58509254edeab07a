package ica

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeICA is a scripted ICA server for client tests. It serves under /ica/rest (like the real
// service) so that every test also proves the base path is kept. Tokens are minted as "jwt-N";
// only the latest one is accepted unless a test changes that.
type fakeICA struct {
	t      testing.TB
	url    string
	apiKey string
	// transport, for a fake without a server, calls serve in memory (for tests in a synctest bubble).
	transport http.RoundTripper

	tokenCalls atomic.Int32
	// tokenGate, when set, holds every token request until it is closed (a mint kept in flight).
	tokenGate chan struct{}

	mu       sync.Mutex
	valid    map[string]bool // accepted bearer tokens
	requests []recorded      // every /api request except tokens
	// validate, when set, checks each request (e.g. against the OpenAPI document).
	validate func(r *http.Request, body []byte)
	// handle answers authenticated API requests; default: 200 {}.
	handle func(w http.ResponseWriter, r *http.Request, body []byte)
}

type recorded struct {
	Method     string
	RequestURI string // as sent, escaping included
	Header     http.Header
	Body       []byte
}

const basePath = "/ica/rest"

func newFakeICA(t testing.TB) *fakeICA {
	f := &fakeICA{t: t, apiKey: "test-api-key-5f1e0c", valid: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// newMemoryICA is a fake served in memory, with no socket: a test in a synctest bubble runs on fake
// time only while every goroutine is durably blocked, which a real connection never is.
func newMemoryICA(t testing.TB) *fakeICA {
	f := &fakeICA{t: t, apiKey: "test-api-key-5f1e0c", valid: map[string]bool{}, url: "https://ica.test"}
	f.transport = handlerTransport(f.serve)
	return f
}

// handlerTransport answers each request by calling h, as a server would; h sees the request's
// context, so a client's time limit or cancellation reaches a handler that waits on it.
type handlerTransport http.HandlerFunc

func (h handlerTransport) RoundTrip(r *http.Request) (resp *http.Response, err error) {
	rec := httptest.NewRecorder()
	defer func() {
		// A handler that aborts (the emulator's drop fault) is a connection closed without an answer.
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler { //nolint:errorlint // net/http's own sentinel, compared as it does
				panic(p)
			}
			resp, err = nil, io.ErrUnexpectedEOF
		}
	}()
	// What a server's handler would see: a body (maybe empty) and the request URI as sent.
	in := r.Clone(r.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = r.URL.RequestURI()
	h(rec, in)
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	return rec.Result(), nil
}

// MemoryTransport serves h in memory, for the external tests (package ica_test).
func MemoryTransport(h http.Handler) http.RoundTripper { return handlerTransport(h.ServeHTTP) }

func (f *fakeICA) baseURL() string { return f.url + basePath }

// client returns a client for this server with tiny retry waits.
func (f *fakeICA) client(t testing.TB, mutate ...func(*Config)) *Client {
	cfg := Config{
		BaseURL:      f.baseURL(),
		APIKey:       f.apiKey,
		MaxRetries:   3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}
	if f.transport != nil {
		cfg.HTTPClient = &http.Client{Transport: f.transport}
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func (f *fakeICA) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if f.validate != nil {
		f.validate(r, body)
	}
	if !strings.HasPrefix(r.URL.Path, basePath+"/api/") {
		writeProblem(w, http.StatusNotFound, "Not Found", "no such path "+r.URL.Path)
		return
	}
	if r.URL.Path == basePath+"/api/tokens" && r.Method == http.MethodPost {
		f.serveToken(w, r)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, recorded{Method: r.Method, RequestURI: r.RequestURI, Header: r.Header.Clone(), Body: body})
	ok := f.valid[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	handle := f.handle
	f.mu.Unlock()
	if !ok {
		writeProblem(w, http.StatusUnauthorized, "Unauthorized", "token expired or invalid")
		return
	}
	if handle == nil {
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	handle(w, r, body)
}

func (f *fakeICA) serveToken(w http.ResponseWriter, r *http.Request) {
	n := f.tokenCalls.Add(1)
	if f.tokenGate != nil {
		select {
		case <-f.tokenGate:
		case <-r.Context().Done():
			return
		}
	}
	if r.Header.Get("X-API-Key") != f.apiKey {
		writeProblem(w, http.StatusUnauthorized, "Unauthorized", "invalid API key")
		return
	}
	token := fmt.Sprintf("jwt-%d.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl", n)
	f.mu.Lock()
	f.valid = map[string]bool{token: true} // a new token replaces the old one
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"token": token})
}

// expireTokens makes every minted token invalid, as when the JWT lifetime ends.
func (f *fakeICA) expireTokens() {
	f.mu.Lock()
	f.valid = map[string]bool{}
	f.mu.Unlock()
}

func (f *fakeICA) setHandler(h func(w http.ResponseWriter, r *http.Request, body []byte)) {
	f.mu.Lock()
	f.handle = h
	f.mu.Unlock()
}

func (f *fakeICA) recorded() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", MediaType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":       "about:blank",
		"title":      title,
		"status":     status,
		"detail":     detail,
		"parameters": map[string]string{},
		"timestamp":  "2026-11-28T22:00:00Z",
		"id":         "err-123",
	})
}
