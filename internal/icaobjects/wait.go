package icaobjects

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

// ErrStillInitializing is returned when the context ends while ICA is still validating.
var ErrStillInitializing = errors.New("ICA is still validating the storage configuration")

// SettleError is ICA's verdict that a configuration does not work (status ERROR).
type SettleError struct{ Message string }

func (e *SettleError) Error() string {
	if e.Message == "" {
		return "ICA reports status ERROR without a message"
	}
	return e.Message
}

// StatusReader reads one storage configuration.
type StatusReader interface {
	GetStorageConfiguration(ctx context.Context, id string) (*ica.StorageConfiguration, error)
}

// Poll is how often WaitSettled asks: First is the first wait between reads, which grows by half each
// time up to Max. Zero values mean 1s and 15s.
type Poll struct{ First, Max time.Duration }

// WaitSettled reads the configuration until its status leaves INITIALIZING or ctx ends (its deadline
// is the resource's timeout), logging each wait at INFO so that a long one is visible with TF_LOG=INFO.
// ERROR is a *SettleError carrying ICA's errorMessage, with the configuration; a context that ends
// first is ErrStillInitializing.
func WaitSettled(ctx context.Context, api StatusReader, id string, poll Poll) (*ica.StorageConfiguration, error) {
	interval, maxInterval := poll.First, poll.Max
	if interval <= 0 {
		interval = time.Second
	}
	if maxInterval <= 0 {
		maxInterval = 15 * time.Second
	}
	start := time.Now()
	for {
		sc, err := api.GetStorageConfiguration(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ErrStillInitializing
			}
			return nil, err
		}
		switch sc.Status {
		case ica.StatusInitializing:
			tflog.Info(ctx, "ICA is still validating the storage configuration", map[string]any{
				"storage_configuration_id": id, "name": sc.Name, "status": sc.Status,
				"waited": time.Since(start).Round(time.Millisecond).String(), "next_check_in": interval.String(),
			})
		case ica.StatusError:
			return sc, &SettleError{Message: deref(sc.ErrorMessage)}
		default:
			return sc, nil
		}
		select {
		case <-ctx.Done():
			return sc, ErrStillInitializing
		case <-time.After(interval):
		}
		interval = min(interval*3/2, maxInterval)
	}
}
