package rpcscope

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// keeper stands for the framework: it keeps every context it is given, as its registerContext does, and
// records what the context looked like during the call.
type keeper struct {
	Downstream
	kept     []context.Context
	value    any
	deadline time.Time
	err      error
}

type markerKey struct{}

// marker is big enough that the heap keeps it apart from small objects (tiny allocations share blocks).
type marker struct{ _ [1 << 10]byte }

func (k *keeper) ReadResource(ctx context.Context, _ *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	inner, cancel := context.WithCancel(ctx)
	_ = cancel // kept, never called: the framework cancels its registered contexts only at StopProvider
	k.kept = append(k.kept, inner)
	k.value = inner.Value(markerKey{})
	k.deadline, _ = inner.Deadline()
	k.err = inner.Err()
	return &tfprotov6.ReadResourceResponse{}, nil
}

func TestDuringTheCallTheRequestContextShowsThrough(t *testing.T) {
	k := &keeper{}
	m := &marker{}
	deadline := time.Now().Add(time.Hour)
	ctx, cancel := context.WithDeadline(context.WithValue(context.Background(), markerKey{}, m), deadline)
	defer cancel()
	if _, err := Server(k).ReadResource(ctx, &tfprotov6.ReadResourceRequest{}); err != nil {
		t.Fatal(err)
	}
	if k.value != m || !k.deadline.Equal(deadline) || k.err != nil {
		t.Fatalf("during the call: value %v, deadline %v, err %v; want the request's marker, deadline %v, no error", k.value, k.deadline, k.err, deadline)
	}
}

func TestCancelingTheRequestCancelsTheCall(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	call := func(ctx context.Context, _ int) (int, error) {
		derived, stop := context.WithTimeout(ctx, time.Hour)
		defer stop()
		cancel()
		select {
		case <-derived.Done():
			return 0, derived.Err()
		case <-time.After(5 * time.Second):
			return 0, errors.New("a context derived inside the call was not canceled with the request")
		}
	}
	if _, err := scoped(ctx, 0, call); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestAfterTheCallNothingOfTheRequestIsKept(t *testing.T) {
	k := &keeper{}
	srv := Server(k)
	var markers []weak.Pointer[marker]
	for range 100 {
		m := &marker{}
		markers = append(markers, weak.Make(m))
		ctx, cancel := context.WithCancel(context.WithValue(context.Background(), markerKey{}, m))
		if _, err := srv.ReadResource(ctx, &tfprotov6.ReadResourceRequest{}); err != nil {
			t.Fatal(err)
		}
		cancel()
	}
	k.value = nil // what the keeper saw during the last call
	runtime.GC()
	for i, w := range markers {
		if w.Value() != nil {
			t.Fatalf("the value of request %d is still reachable through the %d contexts the downstream kept", i, len(k.kept))
		}
	}
	last := k.kept[len(k.kept)-1]
	if last.Err() == nil || last.Value(markerKey{}) != nil {
		t.Fatalf("a kept context after its call: err %v, value %v; want canceled and empty", last.Err(), last.Value(markerKey{}))
	}
	select {
	case <-last.Done():
	default:
		t.Fatal("a kept context is not done after its call")
	}
}

// Without the scope the same downstream keeps every request: the test above would fail for the reason it
// claims.
func TestWithoutTheScopeTheRequestsAreKept(t *testing.T) {
	k := &keeper{}
	m := &marker{}
	w := weak.Make(m)
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), markerKey{}, m))
	if _, err := k.ReadResource(ctx, &tfprotov6.ReadResourceRequest{}); err != nil {
		t.Fatal(err)
	}
	cancel()
	runtime.GC()
	if w.Value() == nil {
		t.Fatal("the unscoped request's value was collected: the keeper does not keep what the framework keeps")
	}
	runtime.KeepAlive(k)
}
