package icaobjects

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

var fastPoll = Poll{First: time.Millisecond, Max: 2 * time.Millisecond}

// TestWaitSettledLogsProgress: while ICA validates a storage configuration, each poll that finds it still
// INITIALIZING is reported at INFO (id, name, time waited, next check), so a long wait is visible with
// TF_LOG=INFO.
func TestWaitSettledLogsProgress(t *testing.T) {
	const id = "6f2d4b1e-8c3a-4e5f-9a7b-1c2d3e4f5a6b"
	f := &fakeICA{statuses: []string{ica.StatusInitializing, ica.StatusInitializing, ica.StatusOK}}
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	sc, err := WaitSettled(ctx, f, id, fastPoll)
	if err != nil || sc.Status != ica.StatusOK || len(f.calls) != 3 {
		t.Fatalf("WaitSettled = %+v, %v after %d reads (want OK after 3)", sc, err, len(f.calls))
	}
	entries, err := tflogtest.MultilineJSONDecode(&logs)
	if err != nil {
		t.Fatal(err)
	}
	progress := 0
	for _, e := range entries {
		if e["@message"] != "ICA is still validating the storage configuration" {
			continue
		}
		progress++
		if e["@level"] != "info" || e["storage_configuration_id"] != id || e["name"] != "runs" || e["next_check_in"] == nil || e["waited"] == nil {
			t.Errorf("progress entry lacks level info, id, name, waited or next check: %v", e)
		}
	}
	if progress != 2 {
		t.Fatalf("want one INFO entry per INITIALIZING poll (2), got %d: %v", progress, entries)
	}
}

func TestWaitSettledError(t *testing.T) {
	f := &fakeICA{statuses: []string{ica.StatusInitializing, ica.StatusError}}
	sc, err := WaitSettled(context.Background(), f, "s1", fastPoll)
	var se *SettleError
	if !errors.As(err, &se) || se.Message != "Access Denied." || sc == nil || sc.Status != ica.StatusError {
		t.Fatalf("want ICA's verdict with the configuration, got %+v, %v", sc, err)
	}
	if (&SettleError{}).Error() != "ICA reports status ERROR without a message" {
		t.Fatal("an ERROR without a message must still say what happened")
	}
}

// The context's deadline (the resource's timeout) ends the wait, whether it falls between reads or
// during one.
func TestWaitSettledDeadline(t *testing.T) {
	f := &fakeICA{statuses: []string{ica.StatusInitializing}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	sc, err := WaitSettled(ctx, f, "s1", Poll{First: 5 * time.Millisecond, Max: 10 * time.Millisecond})
	if !errors.Is(err, ErrStillInitializing) || sc == nil || sc.Status != ica.StatusInitializing {
		t.Fatalf("got %+v, %v", sc, err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("the wait outlived its deadline: %s", waited)
	}

	failing := &fakeICA{failOp: "get s1"}
	if _, err := WaitSettled(ctx, failing, "s1", fastPoll); !errors.Is(err, ErrStillInitializing) {
		t.Fatalf("a read failing after the deadline must report the timeout, got %v", err)
	}
	if _, err := WaitSettled(context.Background(), failing, "s1", fastPoll); !errors.Is(err, errFake) {
		t.Fatalf("a read failing before the deadline must report the failure, got %v", err)
	}
}
