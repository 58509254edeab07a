package provider

import (
	"context"
	"time"
)

// defaultReadTimeout bounds a refresh, and every call that cannot read a timeouts block (plan-time
// checks, import, data sources). The per-request limits (request_timeout, aws { request_timeout }) end a
// stalled call well before it; this caps the whole operation.
const defaultReadTimeout = 5 * time.Minute

// withReadDefault bounds ctx by the read default, for calls that have no timeouts block to read.
func withReadDefault(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, defaultReadTimeout)
}
