// Plan-time behaviour of ica_project: the region and bundle checks, and the replacement warnings.

package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func (r *projectResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		if !req.State.Raw.IsNull() {
			var state projectModel
			resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
			resp.Diagnostics.AddWarning("The ICA project will be hidden, not deleted",
				fmt.Sprintf("Destroying ica_project hides the ICA project %q (%s): ICA cannot delete projects, the project and its "+
					"data stay in ICA, ICA has no unhide, and the name stays taken.", state.Name.ValueString(), state.ID.ValueString()))
		}
		return
	}
	if !requireICACredentials(r.data, "ica_project", "manages an ICA project", &resp.Diagnostics) {
		return
	}
	var plan projectModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	creating := req.State.Raw.IsNull()
	if !creating {
		var state projectModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		kept := keepEquivalent(&plan.Subfolder, state.Subfolder, sameSubfolder)
		changed := replacedProjectAttributes(state, plan)
		if len(changed) == 0 && !projectFieldsChanged(state, plan) && plan.TimeModified.IsUnknown() {
			// Nothing ICA holds changes (a spelling, the timeouts, the subfolder recorded after an import):
			// no PUT, so time_modified stays.
			plan.TimeModified, kept = state.TimeModified, true
		}
		if kept {
			resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		}
		if len(changed) > 0 {
			creating = true
			resp.Diagnostics.AddWarning("The ICA project will be HIDDEN and a new one created",
				fmt.Sprintf("Changing %s replaces the ICA project %q (%s). ICA can neither rename nor delete projects: the old project "+
					"is hidden (not renamed, not deleted; its data stays where it is, and ICA has no unhide) and a new, empty project "+
					"is created. If that is not what you want, revert the change; protect projects with lifecycle { prevent_destroy = true }.",
					strings.Join(changed, ", "), state.Name.ValueString(), state.ID.ValueString()))
		}
	}
	if r.data == nil { // the provider is not configured yet (e.g. its configuration is unknown): no ICA checks
		return
	}
	if creating && known(plan.StorageConfigurationID) && known(plan.RegionID) {
		r.checkConfigurationRegion(ctx, plan, &resp.Diagnostics)
	}
	bundleChanged := creating
	if !req.State.Raw.IsNull() {
		var prior types.String
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("storage_bundle_id"), &prior)...)
		bundleChanged = bundleChanged || !sameUUID(prior, plan.StorageBundleID)
	}
	if bundleChanged && known(plan.StorageBundleID) && known(plan.RegionID) {
		r.checkBundleRegion(ctx, plan, &resp.Diagnostics)
	}
}

// checkBundleRegion fails the plan when the storage bundle is unknown to ICA or in another region.
func (r *projectResource) checkBundleRegion(ctx context.Context, plan projectModel, diags *diag.Diagnostics) {
	all, err := r.data.ICA.ListStorageBundles(ctx)
	if err != nil {
		addICAError(diags, "list", "storage bundles", "", err)
		return
	}
	id, region := plan.StorageBundleID.ValueString(), plan.RegionID.ValueString()
	for _, b := range all {
		if !strings.EqualFold(b.ID, id) {
			continue
		}
		if !strings.EqualFold(b.Region.ID, region) {
			diags.AddAttributeError(path.Root("storage_bundle_id"), "Storage bundle in another region",
				fmt.Sprintf("The storage bundle %q (%s) is in ICA region %s, but the project %q is in region %s. Use the bundle of the "+
					"project's region: data \"ica_storage_bundle\" with region_id = the project's region_id. That region's bundles: %s.",
					b.BundleName, b.ID, b.Region.ID, plan.Name.ValueString(), region, describeBundles(bundlesIn(all, region))))
		}
		return
	}
	diags.AddAttributeError(path.Root("storage_bundle_id"), "Unknown storage bundle",
		fmt.Sprintf("ICA lists no storage bundle %s for this tenant. The bundles of region %s: %s. Use data \"ica_storage_bundle\".",
			id, region, describeBundles(bundlesIn(all, region))))
}

// checkConfigurationRegion fails the plan when the storage configuration is in another region.
func (r *projectResource) checkConfigurationRegion(ctx context.Context, plan projectModel, diags *diag.Diagnostics) {
	sc, err := r.data.ICA.GetStorageConfiguration(ctx, plan.StorageConfigurationID.ValueString())
	if err != nil {
		addICAError(diags, "read", "storage configuration", plan.StorageConfigurationID.ValueString(), err)
		return
	}
	if !strings.EqualFold(sc.Region.ID, plan.RegionID.ValueString()) {
		diags.AddAttributeError(path.Root("storage_configuration_id"), "Storage configuration in another region",
			fmt.Sprintf("The storage configuration %q (%s) is in ICA region %s (%s), but the project %q is in region %s. A project "+
				"can only use storage of its own region: use a storage configuration of region %s, or set region_id to %s.",
				sc.Name, sc.ID, sc.Region.Country.Name, sc.Region.ID, plan.Name.ValueString(), plan.RegionID.ValueString(),
				plan.RegionID.ValueString(), sc.Region.ID))
	}
}

// projectFieldsChanged reports whether an attribute the PUT changes differs between state and plan.
func projectFieldsChanged(state, plan projectModel) bool {
	return !sameUUID(state.StorageBundleID, plan.StorageBundleID) || !plan.BillingMode.Equal(state.BillingMode) ||
		!plan.DataSharingEnabled.Equal(state.DataSharingEnabled) || !sameOptional(state.ShortDescription, plan.ShortDescription) ||
		!sameOptional(state.Information, plan.Information) || !plan.UserTags.Equal(state.UserTags) ||
		!plan.TechnicalTags.Equal(state.TechnicalTags) || !plan.AnalysisPriority.Equal(state.AnalysisPriority) ||
		!sameOptional(state.MetadataModelID, plan.MetadataModelID)
}

// replacedProjectAttributes names the attributes whose change replaces (hides) the project; it mirrors
// the plan modifiers.
func replacedProjectAttributes(state, plan projectModel) []string {
	var out []string
	check := func(name string, differs bool) {
		if differs {
			out = append(out, name)
		}
	}
	check("name", !plan.Name.Equal(state.Name))
	check("region_id", !sameUUID(state.RegionID, plan.RegionID))
	check("storage_configuration_id", !sameUUID(state.StorageConfigurationID, plan.StorageConfigurationID))
	check("storage_configuration_subfolder", !state.Subfolder.IsNull() && !sameSubfolder(state.Subfolder, plan.Subfolder))
	return out
}
