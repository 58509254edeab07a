package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func projectStateModel() projectModel {
	s := types.StringValue
	return projectModel{projectLookup: projectLookup{
		ID: s("5b7a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"), Name: s("Sequencing runs"), RegionID: s("r"), StorageBundleID: s("b"),
		BillingMode: s("PROJECT"), DataSharingEnabled: types.BoolValue(false), ShortDescription: types.StringNull(),
		Information: types.StringNull(), UserTags: types.SetNull(types.StringType), TechnicalTags: types.SetNull(types.StringType),
		AnalysisPriority: s("MEDIUM"), MetadataModelID: types.StringNull(), StorageConfigurationID: types.StringNull(),
		Subfolder: types.StringNull(), URN: s("urn"), Active: types.BoolValue(true), OwnerID: s("o"), TenantID: s("t"),
		TimeCreated: s("2026-01-01T00:00:00Z"), TimeModified: s("2026-01-01T00:00:00Z")},
		Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
			"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType,
		})},
	}
}

func TestProjectPlanWarnings(t *testing.T) {
	ctx := context.Background()
	r := &projectResource{}
	state := stateOf(t, r, projectStateModel())

	// Destroy: the warning names the project and says it is hidden.
	destroy := resource.ModifyPlanResponse{Plan: tfsdk.Plan{Schema: state.Schema, Raw: tftypes.NewValue(state.Schema.Type().TerraformType(ctx), nil)}}
	r.ModifyPlan(ctx, resource.ModifyPlanRequest{State: state, Plan: destroy.Plan}, &destroy)
	onlyWarning(t, destroy.Diagnostics, `"Sequencing runs"`, "5b7a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "hidden, not deleted", "no unhide")

	// A rename is a replacement: loud, names what changed and the old project.
	renamed := projectStateModel()
	renamed.Name = types.StringValue("Runs 2")
	resp := resource.ModifyPlanResponse{Plan: tfsdk.Plan(stateOf(t, r, renamed))}
	r.ModifyPlan(ctx, resource.ModifyPlanRequest{State: state, Plan: resp.Plan}, &resp)
	onlyWarning(t, resp.Diagnostics, "HIDDEN", "Changing name replaces", `"Sequencing runs"`, "not renamed", "prevent_destroy")

	// An in-place change does not warn.
	described := projectStateModel()
	described.ShortDescription = types.StringValue("d")
	resp = resource.ModifyPlanResponse{Plan: tfsdk.Plan(stateOf(t, r, described))}
	r.ModifyPlan(ctx, resource.ModifyPlanRequest{State: state, Plan: resp.Plan}, &resp)
	if len(resp.Diagnostics) != 0 {
		t.Fatalf("an in-place update must not warn: %v", resp.Diagnostics)
	}
}
