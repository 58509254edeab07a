package awsapi_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// TestCallsAreLoggedWithoutSecrets: every AWS call is logged with service, operation, status and
// duration, and the secret of a newly created access key never shows up.
func TestCallsAreLoggedWithoutSecrets(t *testing.T) {
	m := acctest.SharedMoto(t)
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	c := clientsFor(m, "")
	user := acctest.RandomName("log")
	if _, err := c.IAMAdapter().CreateUser(ctx, user, "/", nil); err != nil {
		t.Fatal(err)
	}
	k, err := c.IAMAdapter().CreateAccessKey(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.S3Adapter().BucketRegion(ctx, acctest.RandomName("missing"))

	entries, err := tflogtest.MultilineJSONDecode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]any{}
	for _, e := range entries {
		if e["@message"] != "AWS call" {
			continue
		}
		op, _ := e["aws_operation"].(string)
		ops[op] = e["http_status"]
		if _, ok := e["duration_ms"]; !ok {
			t.Errorf("no duration in %v", e)
		}
		if e["aws_service"] == "" {
			t.Errorf("no service in %v", e)
		}
	}
	for op, status := range map[string]float64{"CreateUser": 200, "CreateAccessKey": 200, "GetBucketLocation": 404} {
		if ops[op] != status {
			t.Errorf("%s: logged status %v, want %v (logged: %v)", op, ops[op], status, ops)
		}
	}
	for _, secret := range []string{k.Secret} {
		if strings.Contains(buf.String(), secret) {
			t.Fatal("a secret access key is in the logs")
		}
	}
}
