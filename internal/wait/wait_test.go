package wait

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPollGrowsTheDelayUpToMax(t *testing.T) {
	var slept []time.Duration
	b := Backoff{Initial: 100 * time.Millisecond, Max: 300 * time.Millisecond, Factor: 2,
		Sleep: func(ctx context.Context, d time.Duration) error { slept = append(slept, d); return nil }}
	var told []time.Duration
	err := Poll(context.Background(), b, func(attempt int, next time.Duration) (bool, error) {
		told = append(told, next)
		return attempt == 5, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}
	if !slices.Equal(slept, want) {
		t.Fatalf("slept %v, want %v", slept, want)
	}
	if !slices.Equal(told[:4], want) || len(told) != 5 {
		t.Fatalf("try was told %v, want %v then one more", told, want)
	}
}

func TestPollStopsOnATryError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	err := Poll(context.Background(), Backoff{Initial: time.Millisecond, Max: time.Millisecond, Factor: 2},
		func(int, time.Duration) (bool, error) { calls++; return false, boom })
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("err %v after %d calls; want boom after 1", err, calls)
	}
}

func TestPollEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := Poll(ctx, Backoff{Initial: time.Millisecond, Max: 10 * time.Millisecond, Factor: 2},
		func(int, time.Duration) (bool, error) { return false, nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the deadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Poll took %v after a 50ms deadline", d)
	}
}

func TestSleepHonoursTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want canceled", err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
}

// TestSharedCollapsesCallsAndKeepsEachCallersCancellation: waiters on one key share one call; the first
// caller giving up ends only its own wait, the call (on a detached context) still answers the others.
func TestSharedCollapsesCallsAndKeepsEachCallersCancellation(t *testing.T) {
	var s Shared[string]
	var calls atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{})
	fn := func(ctx context.Context) (string, error) {
		if calls.Add(1) == 1 {
			close(started)
		}
		select {
		case <-release:
			return "eu-west-1", ctx.Err()
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	first, cancelFirst := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() {
		_, err := s.Do(first, "b", fn)
		firstErr <- err
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the shared call did not start")
	}
	var wg sync.WaitGroup
	got := make([]string, 3)
	errs := make([]error, 3)
	joined := make(chan struct{}, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			joined <- struct{}{}
			got[i], errs[i] = s.Do(context.Background(), "b", fn)
		}()
	}
	for range 3 {
		<-joined
	}
	cancelFirst()
	select {
	case err := <-firstErr:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("first caller: %v, want its own cancellation", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cancelled caller kept waiting")
	}
	close(release)
	wg.Wait()
	for i := range 3 {
		if errs[i] != nil || got[i] != "eu-west-1" {
			t.Fatalf("waiter %d: %q, %v; want the shared answer", i, got[i], errs[i])
		}
	}
	// The three waiters either joined the first call or (having started after it ended) made one more.
	if n := calls.Load(); n > 2 {
		t.Fatalf("%d calls for one key", n)
	}
}

func TestSharedCallHasItsOwnTimeout(t *testing.T) {
	s := Shared[int]{Timeout: 20 * time.Millisecond}
	_, err := s.Do(context.Background(), "k", func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the shared call's own deadline", err)
	}
}
