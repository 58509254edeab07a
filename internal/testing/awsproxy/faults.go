package awsproxy

import (
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path"
	"strconv"
	"sync"
	"time"
)

// Kind is what a fault does to a matching request.
type Kind string

// Fault kinds; see the package documentation.
const (
	KindThrottle    Kind = "throttle"
	KindServerError Kind = "server-error"
	KindError       Kind = "error"
	KindDrop        Kind = "drop"
	KindDelay       Kind = "delay"
	KindHang        Kind = "hang"
)

// Fault is a rule that changes the answer to matching requests. See the package documentation.
type Fault struct {
	Service   string // "s3", "iam", "sts"; empty matches any service
	Operation string // path.Match pattern on the operation name; empty matches any
	Kind      Kind

	Status  int    // HTTP status for KindError (required) and KindServerError/KindThrottle (override)
	Code    string // AWS error code (defaults per kind)
	Message string // error message (defaults per kind)

	Delay time.Duration // wait before the fault acts; for KindDelay, before forwarding

	Count       int     // fire on the next Count matches only (0: no limit)
	Probability float64 // fire on this share of matches (0: every match)

	AfterForward bool // forward the request first, then replace the response with the fault
}

// Rule is an added fault. Its methods are safe for concurrent use.
type Rule struct {
	fault Fault
	proxy *Proxy

	mu      sync.Mutex
	fired   int
	removed bool
}

// Fired is how many requests the rule has acted on.
func (r *Rule) Fired() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fired
}

// Remove stops the rule; requests already in its hands finish as it decided.
func (r *Rule) Remove() {
	r.mu.Lock()
	r.removed = true
	r.mu.Unlock()
	r.proxy.removeRule(r)
}

func (f Fault) validate() error {
	switch f.Kind {
	case KindThrottle, KindServerError, KindDrop, KindDelay, KindHang:
	case KindError:
		if f.Status < 400 || f.Status > 599 || f.Code == "" {
			return fmt.Errorf("fault on %s:%s: KindError needs a Status in 400..599 and a Code, got %d %q",
				f.Service, f.Operation, f.Status, f.Code)
		}
	default:
		return fmt.Errorf("fault on %s:%s: unknown Kind %q; use one of throttle, server-error, error, drop, delay, hang",
			f.Service, f.Operation, f.Kind)
	}
	if f.Kind == KindDelay && f.Delay <= 0 {
		return fmt.Errorf("fault on %s:%s: KindDelay needs a positive Delay", f.Service, f.Operation)
	}
	if f.Kind == KindDelay && f.AfterForward {
		return fmt.Errorf("fault on %s:%s: AfterForward has no meaning for KindDelay", f.Service, f.Operation)
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		return fmt.Errorf("fault on %s:%s: Status %d is not an error status (400..599)", f.Service, f.Operation, f.Status)
	}
	if f.Count < 0 {
		return fmt.Errorf("fault on %s:%s: Count %d is negative", f.Service, f.Operation, f.Count)
	}
	if f.Probability < 0 || f.Probability > 1 {
		return fmt.Errorf("fault on %s:%s: Probability %v is outside [0, 1]", f.Service, f.Operation, f.Probability)
	}
	if _, err := path.Match(f.Operation, ""); err != nil {
		return fmt.Errorf("fault on %s:%s: Operation is not a valid pattern: %w", f.Service, f.Operation, err)
	}
	return nil
}

// take reports whether the rule acts on a request for op, and uses up one of its Count if so.
func (r *Rule) take(op Op) bool {
	f := r.fault
	if f.Service != "" && f.Service != op.Service {
		return false
	}
	if f.Operation != "" {
		if ok, _ := path.Match(f.Operation, op.Operation); !ok {
			return false
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.removed || (f.Count > 0 && r.fired >= f.Count) {
		return false
	}
	// A test's share of faults needs no unpredictable randomness.
	if f.Probability > 0 && rand.Float64() >= f.Probability { //nolint:gosec // G404: not security-relevant
		return false
	}
	r.fired++
	return true
}

// errorResponse is the status and body a fault answers with, in the protocol of op's service.
func (f Fault) errorResponse(op Op) (int, string, []byte) {
	status, code, message := f.Status, f.Code, f.Message
	switch f.Kind {
	case KindThrottle:
		if op.Service == "s3" {
			status, code, message = or(status, http.StatusServiceUnavailable), orS(code, "SlowDown"), orS(message, "Please reduce your request rate.")
		} else {
			status, code, message = or(status, http.StatusBadRequest), orS(code, "Throttling"), orS(message, "Rate exceeded")
		}
	case KindServerError:
		status, code, message = or(status, http.StatusInternalServerError), orS(code, "InternalError"), orS(message, "We encountered an internal error. Please try again.")
	default:
		message = orS(message, "injected by awsproxy")
	}
	requestID := "awsproxy-" + strconv.FormatInt(time.Now().UnixNano(), 36)

	if op.Service == "s3" {
		body, _ := xml.Marshal(struct {
			XMLName   xml.Name `xml:"Error"`
			Code      string   `xml:"Code"`
			Message   string   `xml:"Message"`
			RequestID string   `xml:"RequestId"`
		}{Code: code, Message: message, RequestID: requestID})
		return status, "application/xml", append([]byte(xml.Header), body...)
	}
	errType := "Sender"
	if status >= 500 {
		errType = "Receiver"
	}
	type queryError struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	body, _ := xml.Marshal(struct {
		XMLName   xml.Name   `xml:"ErrorResponse"`
		Error     queryError `xml:"Error"`
		RequestID string     `xml:"RequestId"`
	}{Error: queryError{Type: errType, Code: code, Message: message}, RequestID: requestID})
	return status, "text/xml", append([]byte(xml.Header), body...)
}

func or(v, def int) int {
	if v != 0 {
		return v
	}
	return def
}

func orS(v, def string) string {
	if v != "" {
		return v
	}
	return def
}
