package provider

import (
	"context"
	"errors"
	"testing"
)

// The shared storage configuration list keeps only a success: a caller whose list failed or was
// cancelled does not decide the answer for the rest of the process.
func TestSharedListKeepsOnlySuccess(t *testing.T) {
	var l sharedList[string]
	calls := 0
	list := func(ctx context.Context) ([]string, error) {
		calls++
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if calls == 2 {
			return nil, errors.New("ICA answered 503")
		}
		return []string{"a", "b"}, nil
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.get(cancelled, list); !errors.Is(err, context.Canceled) {
		t.Fatalf("first caller (cancelled): want its cancellation, got %v", err)
	}
	if _, err := l.get(context.Background(), list); err == nil {
		t.Fatal("second caller: want the 503")
	}
	for i := range 3 {
		items, err := l.get(context.Background(), list)
		if err != nil || len(items) != 2 {
			t.Fatalf("caller %d: want the list, got %v, %v", i+3, items, err)
		}
	}
	if calls != 3 {
		t.Fatalf("want 3 list calls (two failed, one kept), got %d", calls)
	}
}
