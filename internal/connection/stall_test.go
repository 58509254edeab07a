package connection

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A stalled STS endpoint ends the wait for a new key at once: polling it would hold the apply until its
// timeout, although the endpoint is not called again by the process.
func TestKeyWaitStopsAtAnEndpointThatDoesNotAnswer(t *testing.T) {
	w := testWorld()
	w.probeFailures = 1 << 30
	w.faults["ProbeKey"] = fmt.Errorf("STS at https://sts.example did not answer GetCallerIdentity within 30s: %w", ErrNoAnswer)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := w.converger().Apply(ctx, testSpec(""), State{})
	if !errors.Is(err, ErrNoAnswer) || !strings.Contains(err.Error(), "waiting for new access key") {
		t.Fatalf("err = %v, want the stalled probe's error, naming the wait", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Apply returned after %v: the wait went on polling a stalled endpoint", d)
	}
	if n := w.count("ProbeKey"); n != 1 {
		t.Fatalf("probes = %d, want 1", n)
	}
}
