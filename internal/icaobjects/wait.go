package icaobjects

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/wait"
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
	var last *ica.StorageConfiguration
	err := wait.Poll(ctx, wait.Backoff{Initial: interval, Max: maxInterval, Factor: 1.5}, func(_ int, next time.Duration) (bool, error) {
		sc, err := api.GetStorageConfiguration(ctx, id)
		if err != nil {
			return false, err
		}
		last = sc
		switch sc.Status {
		case ica.StatusInitializing:
			tflog.Info(ctx, "ICA is still validating the storage configuration", map[string]any{
				"storage_configuration_id": id, "name": sc.Name, "status": sc.Status,
				"waited": time.Since(start).Round(time.Millisecond).String(), "next_check_in": next.String(),
			})
			return false, nil
		case ica.StatusError:
			return true, &SettleError{Message: deref(sc.ErrorMessage)}
		default:
			return true, nil
		}
	})
	if err != nil && ctx.Err() != nil {
		return last, ErrStillInitializing
	}
	return last, err
}
