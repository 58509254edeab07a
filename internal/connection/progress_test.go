package connection

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// TestKeyWaitLogsProgress: while a new key does not work yet (IAM eventual consistency), the wait is
// reported at INFO with the key id, each attempt and the next check, and never the secret.
func TestKeyWaitLogsProgress(t *testing.T) {
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	w := testWorld()
	w.probeFailures = 2
	spec := testSpec("")
	st, err := w.converger().Apply(ctx, spec, State{})
	if err != nil {
		t.Fatal(err)
	}
	raw := logs.String() // the decoder consumes the buffer
	entries, err := tflogtest.MultilineJSONDecode(&logs)
	if err != nil {
		t.Fatal(err)
	}
	waiting, works := 0, 0
	for _, e := range entries {
		switch e["@message"] {
		case "Waiting for the new access key to work (AWS IAM is eventually consistent)":
			waiting++
			if e["@level"] != "info" || e["access_key_id"] != st.AccessKeyID || e["next_check_in"] == nil || e["iam_user"] != spec.UserName {
				t.Errorf("progress entry lacks level info, the key id, the user or the next check: %v", e)
			}
		case "New access key works":
			works++
			if e["attempts"] != float64(3) {
				t.Errorf("want 3 attempts reported, got %v", e)
			}
		}
	}
	if waiting != 2 || works != 1 {
		t.Fatalf("want 2 progress entries and 1 success entry, got %d and %d:\n%s", waiting, works, raw)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, u := range w.users {
		for _, k := range u.keys {
			if k.secret == "" || strings.Contains(raw, k.secret) {
				t.Fatal("a secret access key is in the logs (or the fake has no secret to look for)")
			}
		}
	}
}
