package wait

import (
	"context"
	"time"

	"golang.org/x/sync/singleflight"
)

// Shared collapses concurrent calls with the same key into one (singleflight). The call runs on a context
// detached from every caller (it keeps their values, such as the logger, but not their cancellation) with
// its own Timeout, so a caller that gives up ends only its own wait: the others still get the answer.
type Shared[T any] struct {
	// Timeout bounds the shared call; 0 means DefaultSharedTimeout.
	Timeout time.Duration
	group   singleflight.Group
}

// DefaultSharedTimeout bounds a shared call when Shared.Timeout is not set: long enough for a read that
// the SDK retries, short enough that a stalled endpoint does not hold every waiter.
const DefaultSharedTimeout = 2 * time.Minute

// Do returns fn's result for key, joining a call already under way. It returns ctx's error as soon as
// ctx ends, leaving the shared call to finish for the other waiters.
func (s *Shared[T]) Do(ctx context.Context, key string, fn func(ctx context.Context) (T, error)) (T, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultSharedTimeout
	}
	detached := context.WithoutCancel(ctx)
	ch := s.group.DoChan(key, func() (any, error) {
		cctx, cancel := context.WithTimeout(detached, timeout)
		defer cancel()
		return fn(cctx)
	})
	var zero T
	select {
	case <-ctx.Done():
		return zero, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return zero, r.Err
		}
		return r.Val.(T), nil
	}
}
