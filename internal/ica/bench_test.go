package ica

import (
	"context"
	"net/http"
	"testing"
)

// BenchmarkClientGetStorageCredential measures one authenticated GET against a local server
// (token already minted): the client's own cost plus loopback HTTP, with allocations.
func BenchmarkClientGetStorageCredential(b *testing.B) {
	f := newFakeICA(b)
	f.setHandler(func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, http.StatusOK, StorageCredential{ID: credID, Name: "my-bucket_ica", Type: CredentialTypeAWSUser,
			OwnerID: credID, TenantID: credID, TimeCreated: "2026-11-28T22:00:00Z", TimeModified: "2026-11-28T22:00:00Z"})
	})
	c := f.client(b)
	ctx := context.Background()
	if _, err := c.GetStorageCredential(ctx, credID); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		cred, err := c.GetStorageCredential(ctx, credID)
		if err != nil || cred.ID != credID {
			b.Fatalf("%v %v", cred, err)
		}
	}
}
