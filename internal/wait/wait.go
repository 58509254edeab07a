// Package wait holds the provider's two small concurrency helpers: a poll loop with a growing interval
// (for the waits AWS and ICA leave to the client: key propagation, validation) and a shared call that
// collapses concurrent reads of one thing without handing one caller's cancellation to the others.
package wait

import (
	"context"
	"time"
)

// Backoff is a poll schedule: Initial between the first two tries, multiplied by Factor after each try,
// never more than Max.
type Backoff struct {
	Initial, Max time.Duration
	Factor       float64
	// Sleep waits d or until ctx ends (returning its error); nil uses Sleep. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Poll calls try until it says done or fails, waiting between tries as b says. try is told the attempt
// (from 1) and the wait that follows if it is not done, for progress logs. When ctx ends during a wait,
// Poll returns ctx's error; a try that fails ends the poll with its error.
func Poll(ctx context.Context, b Backoff, try func(attempt int, next time.Duration) (done bool, err error)) error {
	sleep := b.Sleep
	if sleep == nil {
		sleep = Sleep
	}
	delay := b.Initial
	for attempt := 1; ; attempt++ {
		done, err := try(attempt, delay)
		if done || err != nil {
			return err
		}
		if err := sleep(ctx, delay); err != nil {
			return err
		}
		delay = min(time.Duration(float64(delay)*b.Factor), b.Max)
	}
}

// Sleep waits d, or until ctx ends (then it returns ctx's error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
