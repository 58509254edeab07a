package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// Each operation's error says what is true after it: only update continues from recorded parts.
func TestConnectionErrorAdviceFitsTheOperation(t *testing.T) {
	boom := errors.New("reading IAM user \"u\": boom")
	cases := []struct {
		action, summary string
		err             error
		want            []string
	}{
		{"read", "Could not read ICA S3 connection", boom, []string{"Nothing was changed; run the command again."}},
		{"import", "Could not import ICA S3 connection", boom, []string{"Nothing was imported; import again."}},
		{"create", "Could not create ICA S3 connection", boom, []string{"marked tainted", "removes them and creates it again"}},
		{"create-nothing", "Could not create ICA S3 connection", boom, []string{"Nothing was made; apply again."}},
		{"update", "Could not update ICA S3 connection", boom, []string{"the next apply continues from them"}},
		{"destroy", "Could not destroy ICA S3 connection", boom, []string{"the next destroy continues from it"}},
		{"read", "Could not read ICA S3 connection", fmt.Errorf("x: %w", context.DeadlineExceeded),
			[]string{"raise timeouts { read }", "Nothing was changed"}},
		{"import", "Could not import ICA S3 connection", fmt.Errorf("x: %w", context.DeadlineExceeded), []string{"ran out of time (5m0s); try again", "Nothing was imported"}},
	}
	for _, tc := range cases {
		t.Run(tc.action, func(t *testing.T) {
			var diags diag.Diagnostics
			addConnectionError(&diags, tc.action, tc.err)
			if len(diags) != 1 || diags[0].Summary() != tc.summary {
				t.Fatalf("diagnostics %v, want one with summary %q", diags, tc.summary)
			}
			detail := diags[0].Detail()
			for _, w := range tc.want {
				if !strings.Contains(detail, w) {
					t.Errorf("detail %q lacks %q", detail, w)
				}
			}
			if tc.action == "import" && strings.Contains(detail, "timeouts {") {
				t.Errorf("detail %q points to a timeouts block, which import cannot read", detail)
			}
			if tc.action != "update" && tc.action != "destroy" && strings.Contains(detail, "continues from") {
				t.Errorf("detail %q promises that a next run continues, which is not true after %s", detail, tc.action)
			}
		})
	}
}
