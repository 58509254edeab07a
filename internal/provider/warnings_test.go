package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func resourceSchema(t *testing.T, r resource.Resource) resource.SchemaResponse {
	t.Helper()
	var resp resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &resp)
	return resp
}

func stateOf(t *testing.T, r resource.Resource, model any) tfsdk.State {
	t.Helper()
	s := tfsdk.State{Schema: resourceSchema(t, r).Schema}
	s.Raw = tftypes.NewValue(s.Schema.Type().TerraformType(context.Background()), nil)
	if d := s.Set(context.Background(), model); d.HasError() {
		t.Fatal(d)
	}
	return s
}

func onlyWarning(t *testing.T, diags diag.Diagnostics, want ...string) {
	t.Helper()
	if diags.HasError() || diags.WarningsCount() != 1 {
		t.Fatalf("want exactly one warning, got %v", diags)
	}
	d := diags.Warnings()[0]
	for _, w := range want {
		if !strings.Contains(d.Summary()+" "+d.Detail(), w) {
			t.Errorf("warning %q / %q lacks %q", d.Summary(), d.Detail(), w)
		}
	}
}

func credentialModel() secretCredentialModel {
	return secretCredentialModel{
		ID: types.StringValue("6c1d2f3a-1b7e-4a3f-9e0b-0a6e4e524b5c"), Name: types.StringValue("lab"),
		Type: types.StringValue("AWS_USER"), AccessKeyID: types.StringValue("AKIAIOSFODNN7EXAMPLE"),
		SecretAccessKeyWO: types.StringNull(), SecretAccessKeyWOVersion: types.Int64Value(1),
		SecretAccessKey: types.StringNull(), Shared: types.BoolValue(true),
		OwnerID: types.StringValue("o"), TenantID: types.StringValue("t"),
		TimeCreated: types.StringValue("2026-01-01T00:00:00Z"), TimeModified: types.StringValue("2026-01-01T00:00:00Z"),
	}
}

func configurationModel() storageConfigurationModel {
	return storageConfigurationModel{
		ID: types.StringValue("7d3a0f5e-2b1c-4c8e-9a57-0f6b1d2e3c4a"), Name: types.StringValue("lab-data"),
		Description: types.StringNull(), CredentialID: types.StringValue("c"), RegionID: types.StringValue("r"),
		Bucket: types.StringValue("b"), Prefix: types.StringValue("ica"), SSEAlgorithm: types.StringNull(),
		SSEKMSKeyARN: types.StringNull(), Shared: types.BoolValue(false), RevalidateTrigger: types.StringNull(),
		WaitForOK: types.BoolValue(true), Status: types.StringValue("OK"), ErrorMessage: types.StringNull(),
		IsDefault: types.BoolValue(false),
		Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
			"create": types.StringType, "read": types.StringType, "update": types.StringType,
		})},
	}
}

func TestDeleteWarnsThatObjectsStayInICA(t *testing.T) {
	ctx := context.Background()

	cr := &secretCredentialResource{}
	var cresp resource.DeleteResponse
	cr.Delete(ctx, resource.DeleteRequest{State: stateOf(t, cr, credentialModel())}, &cresp)
	onlyWarning(t, cresp.Diagnostics, `"lab"`, "6c1d2f3a-1b7e-4a3f-9e0b-0a6e4e524b5c", "still exists in ICA",
		"Storage → Secret Credentials")

	sr := &storageConfigurationResource{}
	var sresp resource.DeleteResponse
	sr.Delete(ctx, resource.DeleteRequest{State: stateOf(t, sr, configurationModel())}, &sresp)
	onlyWarning(t, sresp.Diagnostics, `"lab-data"`, "still exists in ICA", "adopts it")
}

func TestModifyPlanReplacementWarningAndUnshare(t *testing.T) {
	ctx := context.Background()
	sr := &storageConfigurationResource{}

	state := stateOf(t, sr, configurationModel())

	planned := configurationModel()
	planned.Prefix = types.StringValue("ica/") // same folder: no replacement, no warning
	resp := resource.ModifyPlanResponse{Plan: tfsdk.Plan(stateOf(t, sr, planned))}
	sr.ModifyPlan(ctx, resource.ModifyPlanRequest{State: state, Plan: resp.Plan}, &resp)
	if len(resp.Diagnostics) != 0 {
		t.Fatalf("a respelled prefix must not warn: %v", resp.Diagnostics)
	}

	// Another bucket under the same name cannot succeed (the old configuration keeps the name): an error.
	planned.Bucket = types.StringValue("other")
	resp = resource.ModifyPlanResponse{Plan: tfsdk.Plan(stateOf(t, sr, planned))}
	sr.ModifyPlan(ctx, resource.ModifyPlanRequest{State: state, Plan: resp.Plan}, &resp)
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "Set another name") {
		t.Fatalf("want the same-name replacement error, got %v", resp.Diagnostics)
	}

	planned.Name = types.StringValue("lab-data-2")
	resp = resource.ModifyPlanResponse{Plan: tfsdk.Plan(stateOf(t, sr, planned))}
	sr.ModifyPlan(ctx, resource.ModifyPlanRequest{State: state, Plan: resp.Plan}, &resp)
	onlyWarning(t, resp.Diagnostics, "Changing name, bucket replaces", `"lab-data"`, "stays in ICA")

	cr := &secretCredentialResource{}
	unshared := credentialModel()
	unshared.Shared = types.BoolValue(false)
	cresp := resource.ModifyPlanResponse{Plan: tfsdk.Plan(stateOf(t, cr, unshared))}
	cr.ModifyPlan(ctx, resource.ModifyPlanRequest{State: stateOf(t, cr, credentialModel()), Plan: cresp.Plan}, &cresp)
	if !cresp.Diagnostics.HasError() || !strings.Contains(cresp.Diagnostics.Errors()[0].Detail(), "no API to unshare") {
		t.Fatalf("want the unshare error, got %v", cresp.Diagnostics)
	}
}
