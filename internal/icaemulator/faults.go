package icaemulator

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault is a rule of POST /_emulator/faults: matching API requests get Status as problem+json, or are
// first delayed by Delay, or have their connection closed (Drop), or are carried out with the response
// lost (DropResponse: the ambiguous failure, where the client cannot know the call took effect), or are
// accepted and never answered (Hang, before serving; HangResponse, after serving: a stalled proxy or
// route, which only the client's time limit ends). Count limits the rule to the next N
// matches; Probability applies it to a random share of matches until the faults are cleared; with
// neither, it applies to every match until cleared.
type Fault struct {
	// Method matches the request method, case-insensitively; empty or "*" matches any.
	Method string `json:"method"`
	// Path matches the request path exactly, or as a prefix when it ends in "*".
	Path        string  `json:"path"`
	Status      int     `json:"status,omitempty"`
	Count       int     `json:"count,omitempty"`
	Probability float64 `json:"probability,omitempty"`
	// Delay is a Go duration ("2s"); the request then proceeds (or fails with Status, or is dropped).
	Delay string `json:"delay,omitempty"`
	Drop  bool   `json:"drop,omitempty"`
	// DropResponse serves the request, then closes the connection instead of answering.
	DropResponse bool `json:"dropResponse,omitempty"`
	// Hang accepts the request and never answers it, until the client gives up or the emulator closes.
	Hang bool `json:"hang,omitempty"`
	// HangResponse serves the request, then never answers (the call took effect).
	HangResponse bool `json:"hangResponse,omitempty"`
	// RetryAfter is the Retry-After header of an injected 429 or 503; default "0" for 429, none for others.
	RetryAfter string `json:"retryAfter,omitempty"`
}

type faultRule struct {
	Fault
	delay     time.Duration
	remaining int // for Count rules
}

// faultSet holds the active rules. Randomness is seeded, so a probabilistic test run is reproducible.
type faultSet struct {
	mu    sync.Mutex
	rules []*faultRule
	rng   *rand.Rand
}

func newFaultSet() *faultSet {
	return &faultSet{rng: rand.New(rand.NewPCG(1, 2))}
}

// parseFault checks a rule and returns what is wrong with it as parameters of a 400.
func parseFault(f Fault) (*faultRule, map[string]string) {
	bad := map[string]string{}
	rule := &faultRule{Fault: f, remaining: f.Count}
	if f.Path == "" || !strings.HasPrefix(f.Path, "/") {
		bad["path"] = "must be an absolute path such as /api/storageCredentials, optionally ending in *"
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		bad["status"] = "must be an HTTP error status between 400 and 599"
	}
	if f.Count < 0 {
		bad["count"] = "must not be negative"
	}
	if f.Probability < 0 || f.Probability > 1 {
		bad["probability"] = "must be between 0 and 1"
	}
	if f.Count > 0 && f.Probability > 0 {
		bad["probability"] = "set count or probability, not both"
	}
	if f.Delay != "" {
		d, err := time.ParseDuration(f.Delay)
		if err != nil || d < 0 {
			bad["delay"] = "must be a non-negative Go duration such as 500ms or 2s"
		}
		rule.delay = d
	}
	noAnswer := 0
	for _, set := range []bool{f.Drop, f.DropResponse, f.Hang, f.HangResponse} {
		if set {
			noAnswer++
		}
	}
	if f.Status == 0 && noAnswer == 0 && rule.delay == 0 {
		bad["status"] = "a fault needs a status, a delay, drop, dropResponse, hang or hangResponse"
	}
	if noAnswer > 0 && f.Status != 0 {
		bad["drop"] = "a dropped or hung request gets no answer, so no status: set one of drop, dropResponse, hang, hangResponse or status"
	}
	if noAnswer > 1 {
		bad["hang"] = "set only one of drop and hang (before serving) or dropResponse and hangResponse (after serving)"
	}
	if len(bad) > 0 {
		return nil, bad
	}
	return rule, nil
}

func (s *faultSet) add(rule *faultRule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, rule)
}

func (s *faultSet) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = nil
}

func (s *faultSet) list() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, 0, len(s.rules))
	for _, r := range s.rules {
		f := r.Fault
		if f.Count > 0 {
			f.Count = r.remaining
		}
		out = append(out, f)
	}
	return out
}

func (r *faultRule) matches(method, path string) bool {
	if r.Method != "" && r.Method != "*" && !strings.EqualFold(r.Method, method) {
		return false
	}
	if prefix, ok := strings.CutSuffix(r.Path, "*"); ok {
		return strings.HasPrefix(path, prefix)
	}
	return r.Path == path
}

// take returns the first rule that applies to this request, using up one of its count.
func (s *faultSet) take(method, path string) (faultRule, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.rules {
		if !r.matches(method, path) {
			continue
		}
		switch {
		case r.Count > 0:
			r.remaining--
			if r.remaining == 0 {
				s.rules = append(s.rules[:i:i], s.rules[i+1:]...)
			}
		case r.Probability > 0:
			if s.rng.Float64() >= r.Probability {
				continue
			}
		}
		return *r, true
	}
	return faultRule{}, false
}

// apply carries out the fault. It returns true when it answered the request (or dropped it), false when
// the request should be served normally after the delay. serve handles the request for DropResponse.
func (r faultRule) apply(stop context.Context, w http.ResponseWriter, req *http.Request, serve http.HandlerFunc) bool {
	if r.delay > 0 {
		t := time.NewTimer(r.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-req.Context().Done():
			return true
		case <-stop.Done():
		}
	}
	if r.DropResponse || r.HangResponse {
		serve(discardResponse{header: http.Header{}}, req)
	}
	if r.Hang || r.HangResponse {
		// The server notices a client hanging up only once the request body is read.
		_, _ = io.Copy(io.Discard, req.Body)
		select {
		case <-req.Context().Done():
		case <-stop.Done():
		}
	}
	if r.Drop || r.DropResponse || r.Hang || r.HangResponse {
		// net/http closes the connection without a response for this panic value.
		panic(http.ErrAbortHandler)
	}
	if r.Status == 0 {
		return false
	}
	retryAfter := r.RetryAfter
	if retryAfter == "" && r.Status == http.StatusTooManyRequests {
		retryAfter = "0"
	}
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeProblem(w, req, r.Status, fmt.Sprintf("Injected fault: %s %s answers %d.", req.Method, req.URL.Path, r.Status), nil)
	return true
}

// discardResponse is where a DropResponse fault sends the response the client never gets.
type discardResponse struct{ header http.Header }

func (d discardResponse) Header() http.Header       { return d.header }
func (discardResponse) Write(b []byte) (int, error) { return len(b), nil }
func (discardResponse) WriteHeader(int)             {}
