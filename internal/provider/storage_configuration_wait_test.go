package provider

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

// TestWaitSettledLogsProgress: while ICA validates a storage configuration, each poll that finds it still
// INITIALIZING is reported at INFO (id, name, time waited, next check), so a long wait is visible with
// TF_LOG=INFO.
func TestWaitSettledLogsProgress(t *testing.T) {
	const id = "6f2d4b1e-8c3a-4e5f-9a7b-1c2d3e4f5a6b"
	var polls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/storageConfigurations/"+id {
			http.NotFound(w, r)
			return
		}
		status := "INITIALIZING"
		if polls.Add(1) > 2 {
			status = "OK"
		}
		w.Header().Set("Content-Type", "application/vnd.illumina.v3+json")
		_, _ = fmt.Fprintf(w, `{"id":%q,"name":"runs","status":%q,"type":"AWS_S3","regionId":"9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"}`, id, status)
	}))
	defer srv.Close()
	client, err := ica.New(ica.Config{BaseURL: srv.URL, AccessToken: "header.payload.signature", MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	r := &storageConfigurationResource{data: &ProviderData{ICA: client}, pollInterval: 10 * time.Millisecond, maxPollInterval: 20 * time.Millisecond}

	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	sc, err := r.waitSettled(ctx, id)
	if err != nil || sc.Status != ica.StatusOK {
		t.Fatalf("waitSettled = %+v, %v", sc, err)
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
