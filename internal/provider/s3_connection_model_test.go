package provider

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

func TestParseImportID(t *testing.T) {
	for id, want := range map[string][3]string{
		"b:u:c": {"b", "u", "c"},
		"my-bucket:illumina_ica_admin:0a6e4e52-1b7e-4a3f-9e0b-6c1d2f3a4b5c": {"my-bucket", "illumina_ica_admin", "0a6e4e52-1b7e-4a3f-9e0b-6c1d2f3a4b5c"},
	} {
		b, u, c, err := parseImportID(id)
		if err != nil || [3]string{b, u, c} != want {
			t.Errorf("parseImportID(%q) = %q %q %q %v", id, b, u, c, err)
		}
	}
	for _, bad := range []string{"", "b", "b:u", "b::c", ":u:c", "b:u:"} {
		if _, _, _, err := parseImportID(bad); err == nil || !strings.Contains(err.Error(), "BUCKET:IAM_USER_NAME:CREDENTIAL") {
			t.Errorf("parseImportID(%q) accepted or unclear: %v", bad, err)
		}
	}
}

func testModel() s3ConnectionModel {
	return s3ConnectionModel{
		Bucket: types.StringValue("b"), Prefix: types.StringValue("ica"), ICARegion: types.StringValue("Germany"),
		IAMUserName: types.StringValue("u"), IAMPolicyName: types.StringValue("p"), IAMPath: types.StringValue("/"),
		KMSKeyARN: types.StringNull(), ManageCORS: types.BoolValue(true), CredentialName: types.StringValue("c"),
		ShareCredential: types.BoolValue(false), RotationTrigger: types.StringNull(),
		CORSAllowedOrigins: types.ListValueMust(types.StringType, []attr.Value{types.StringValue(policy.DefaultOrigin)}),
		Tags:               types.MapValueMust(types.StringType, map[string]attr.Value{"team": types.StringValue("x")}),
		CORSRuleID:         types.StringUnknown(), ID: types.StringUnknown(), CredentialID: types.StringUnknown(),
		AWSRegion: types.StringUnknown(), IAMUserARN: types.StringUnknown(), IAMPolicyARN: types.StringUnknown(),
		AccessKeyID: types.StringUnknown(), PolicyJSON: types.StringUnknown(),
	}
}

func TestSpecFromModel(t *testing.T) {
	m := testModel()
	s, diags := m.spec(context.Background(), true)
	if diags.HasError() {
		t.Fatal(diags)
	}
	want := connection.Spec{
		Bucket: "b", Prefix: "ica/", RequiredRegion: "eu-central-1", ICARegionName: "Germany",
		UserName: "u", PolicyName: "p", Path: "/", CredentialName: "c", ManageCORS: true,
		CORSOrigins: []string{policy.DefaultOrigin}, CORSRuleID: "ica-tf-u", Tags: map[string]string{"team": "x"}, Rotate: true, VerifyAccess: true,
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("spec:\n got %+v\nwant %+v", s, want)
	}
	m.CORSRuleID = types.StringValue("")
	if s, _ := m.spec(context.Background(), false); s.CORSRuleID != "" {
		t.Fatal("an adopted ID-less rule (\"\") must be kept")
	}
	m.Prefix = types.StringValue("../x")
	if _, diags := m.spec(context.Background(), false); !diags.HasError() {
		t.Fatal("an invalid prefix must be an error")
	}
}

func TestObservedRoundTrip(t *testing.T) {
	doc := policy.Build(policy.Options{Bucket: "b", Prefix: "ica/"}).JSON()
	st := connection.State{
		Region: "eu-central-1", CORSRuleID: "ica-tf-u", CORSRule: true, UserARN: "arn:aws:iam::1:user/u",
		PolicyARN: "arn:aws:iam::1:policy/p", PolicyAttached: true, PolicyJSON: doc, PolicyVersionID: "v1",
		AccessKeyID: "AKIA1", CredentialID: "cred", Tags: map[string]string{"team": "x"},
	}
	m := testModel()
	m.setObserved(st)
	if m.ID.ValueString() != "cred" || m.CORSRuleID.ValueString() != "ica-tf-u" || m.PolicyJSON.ValueString() != doc {
		t.Fatalf("setObserved: %+v", m)
	}
	back, diags := m.priorState(context.Background(), "v1")
	if diags.HasError() {
		t.Fatal(diags)
	}
	if !reflect.DeepEqual(back, st) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back, st)
	}

	// Drift: missing parts become null; an equivalent document keeps the recorded text.
	reordered := strings.Replace(doc, `"Version": "2012-10-17",`, ``, 1)
	reordered = strings.Replace(reordered, `{`, `{"Version": "2012-10-17",`, 1)
	st.PolicyJSON = reordered
	st.CORSRule, st.AccessKeyID, st.CredentialID = false, "", ""
	m.setObserved(st)
	if m.PolicyJSON.ValueString() != doc {
		t.Fatal("an equivalent document must keep the recorded text")
	}
	if !m.CORSRuleID.IsNull() || !m.AccessKeyID.IsNull() || !m.CredentialID.IsNull() {
		t.Fatalf("missing parts must be null: %+v", m)
	}
	st.PolicyAttached = false
	m.setObserved(st)
	if !m.PolicyJSON.IsNull() || m.IAMPolicyARN.IsNull() {
		t.Fatal("a detached policy: policy_json null, iam_policy_arn kept")
	}
}
