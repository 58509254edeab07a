package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestStringValidators(t *testing.T) {
	cases := []struct {
		name  string
		v     validator.String
		value types.String
		want  string // "" means valid
	}{
		{"null is left to Required", credentialNameValidator(), types.StringNull(), ""},
		{"unknown waits", credentialNameValidator(), types.StringUnknown(), ""},
		{"credential ok", credentialNameValidator(), types.StringValue("lab_Data-1"), ""},
		{"credential bad", credentialNameValidator(), types.StringValue("lab data"), `ICA credential name "lab data" is not valid`},
		{"configuration ok", storageConfigurationNameValidator(), types.StringValue("lab.data-1"), ""},
		{"configuration bad", storageConfigurationNameValidator(), types.StringValue("-lab"), "is not valid"},
		{"uuid ok", uuidValidator("ICA region id", "the ica_region data source's id"), types.StringValue("0F8FAD5B-D9CB-469F-A165-70867728950E"), ""},
		{"uuid bad", uuidValidator("ICA region id", "the ica_region data source's id"), types.StringValue("Germany"), `"Germany" is not a UUID. Use the ICA region id, e.g. the ica_region data source's id`},
		{"credential uuid bad", uuidValidator("ICA storage credential id", "the id of an ica_secret_credential or ica_s3_connection resource"),
			types.StringValue("my-cred"), `"my-cred" is not a UUID. Use the ICA storage credential id, e.g. the id of an ica_secret_credential or ica_s3_connection resource`},
		{"duration ok", durationValidator(), types.StringValue("90s"), ""},
		{"duration bad", durationValidator(), types.StringValue("30"), `"30" is not a positive duration`},
		{"duration zero", durationValidator(), types.StringValue("0s"), `"0s" is not a positive duration`},
		{"kms ok", kmsKeyARNValidator(), types.StringValue("arn:aws:kms:eu-central-1:123456789012:key/abc"), ""},
		{"kms alias ok", kmsKeyARNValidator(), types.StringValue("arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/x"), ""},
		{"kms bad", kmsKeyARNValidator(), types.StringValue("alias/x"), "is not a KMS key ARN"},
		{"secret ok", secretValidator(), types.StringValue("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), ""},
		{"secret comma", secretValidator(), types.StringValue("a,b"), "does not accept '=' or ','"},
		{"secret long", secretValidator(), types.StringValue(strings.Repeat("x", 101)), "this one has 101"},
		{"prefix ok", prefixValidator(), types.StringValue("data/ica"), ""},
		{"prefix bad", prefixValidator(), types.StringValue("/data"), `starts with "/"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := &validator.StringResponse{}
			tc.v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("attr"), ConfigValue: tc.value}, resp)
			if tc.want == "" {
				if resp.Diagnostics.HasError() {
					t.Fatalf("unexpected error: %v", resp.Diagnostics)
				}
				return
			}
			if !resp.Diagnostics.HasError() {
				t.Fatalf("want an error containing %q", tc.want)
			}
			d := resp.Diagnostics.Errors()[0]
			if !strings.Contains(d.Detail(), tc.want) || !strings.Contains(d.Detail(), "attr") {
				t.Fatalf("detail %q lacks %q or the attribute name", d.Detail(), tc.want)
			}
			if strings.Contains(d.Detail(), "wJalr") || (tc.name == "secret comma" && strings.Contains(d.Detail(), "a,b")) {
				t.Fatalf("the secret leaked into the diagnostic: %q", d.Detail())
			}
		})
	}
}
