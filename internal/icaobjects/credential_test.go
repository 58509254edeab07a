package icaobjects

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

func TestAdoptCredential(t *testing.T) {
	ctx := context.Background()
	creds := ica.AWSCredentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "s"}
	tenant := func() *fakeICA {
		return &fakeICA{creds: []ica.StorageCredential{{ID: "c1", Name: "runs"}, {ID: "c2", Name: "other"}, {ID: "c3", Name: "twice"}, {ID: "c4", Name: "twice"}}}
	}

	t.Run("none of the name: nothing sent", func(t *testing.T) {
		f := tenant()
		got, err := AdoptCredential(ctx, f, "new", creds)
		if got != nil || err != nil || !slices.Equal(f.calls, []string{"list credentials"}) {
			t.Fatalf("got %v, %v, calls %q", got, err, f.calls)
		}
	})
	t.Run("one of the name: adopted, the secrets sent to it", func(t *testing.T) {
		f := tenant()
		got, err := AdoptCredential(ctx, f, "runs", creds)
		if err != nil || got == nil || got.ID != "c1" || f.sent["c1"] != creds || len(f.sent) != 1 {
			t.Fatalf("got %v, %v, sent %v", got, err, f.sent)
		}
	})
	t.Run("several of the name: refused, nothing sent", func(t *testing.T) {
		f := tenant()
		got, err := AdoptCredential(ctx, f, "twice", creds)
		var amb *AmbiguousNameError
		if got != nil || !errors.As(err, &amb) || !slices.Equal(amb.IDs, []string{"c3", "c4"}) || amb.Kind != "storage credentials" || len(f.sent) != 0 {
			t.Fatalf("got %v, %v, sent %v", got, err, f.sent)
		}
	})
	t.Run("list fails", func(t *testing.T) {
		f := tenant()
		f.failOp = "list credentials"
		_, err := AdoptCredential(ctx, f, "runs", creds)
		var ce *CallError
		if !errors.As(err, &ce) || ce.Action != "list" || ce.Object != "storage credentials" || !errors.Is(err, errFake) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("sending the secrets fails: not adopted", func(t *testing.T) {
		f := tenant()
		f.failOp = "update secrets c1"
		got, err := AdoptCredential(ctx, f, "runs", creds)
		var ce *CallError
		if got != nil || !errors.As(err, &ce) || ce.Action != "update the secrets of" || ce.Name != "runs" {
			t.Fatalf("got %v, %v", got, err)
		}
	})
}

func TestCredentialNamed(t *testing.T) {
	f := &fakeICA{creds: []ica.StorageCredential{{ID: "c1", Name: "runs"}}}
	got, err := CredentialNamed(context.Background(), f, "runs")
	if err != nil || got == nil || got.ID != "c1" || len(f.sent) != 0 {
		t.Fatalf("got %v, %v (it must not send secrets)", got, err)
	}
}
