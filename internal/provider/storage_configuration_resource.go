package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaobjects"
)

var (
	_ resource.ResourceWithConfigure      = (*storageConfigurationResource)(nil)
	_ resource.ResourceWithValidateConfig = (*storageConfigurationResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*storageConfigurationResource)(nil)
	_ resource.ResourceWithImportState    = (*storageConfigurationResource)(nil)
)

const defaultSettleTimeout = 20 * time.Minute

// NewStorageConfigurationResource returns the ica_storage_configuration resource: a bucket (and prefix)
// that ICA projects in one region can use, reached with an ICA storage credential.
func NewStorageConfigurationResource() resource.Resource { return &storageConfigurationResource{} }

type storageConfigurationResource struct {
	data *ProviderData
}

const configurationUIHint = "ICA has no API to delete or change storage configurations: remove it by hand in the " +
	"ICA UI (Storage → Storage Configurations) if it is no longer needed."

func (r *storageConfigurationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storage_configuration"
}

func (r *storageConfigurationResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = storageConfigurationSchemaV0(ctx)
}

func (r *storageConfigurationResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m storageConfigurationModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.SSEKMSKeyARN.IsNull() || m.SSEKMSKeyARN.IsUnknown() || m.SSEAlgorithm.IsUnknown() {
		return
	}
	if !strings.EqualFold(m.SSEAlgorithm.ValueString(), icaobjects.SSEKMS) {
		resp.Diagnostics.AddAttributeError(path.Root("sse_kms_key_arn"), "KMS key without aws:kms",
			fmt.Sprintf("sse_kms_key_arn is only used with sse_algorithm = %q (it is %s). Set sse_algorithm = %q, or "+
				"remove sse_kms_key_arn.", icaobjects.SSEKMS, describeOptional(m.SSEAlgorithm), icaobjects.SSEKMS))
	}
}

func describeOptional(v types.String) string {
	if v.IsNull() {
		return "not set"
	}
	return fmt.Sprintf("%q", v.ValueString())
}

func (r *storageConfigurationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *storageConfigurationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if !requireICACredentials(r.data, "ica_storage_configuration", "manages an ICA storage configuration", &resp.Diagnostics) || req.State.Raw.IsNull() {
		return
	}
	var state, plan storageConfigurationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	refuseUnshare("shared", state.Shared, plan.Shared, "storage configuration", state.Name.ValueString(), &resp.Diagnostics)
	// "ica" and "ica/", "AES256" and "aes256" mean the same: keep the state's spelling, so that a spelling
	// change (or ICA's spelling after import) plans nothing.
	keptPrefix := keepEquivalent(&plan.Prefix, state.Prefix, samePrefix)
	keptSSE := keepEquivalent(&plan.SSEAlgorithm, state.SSEAlgorithm, sameSSE)
	if keptPrefix || keptSSE {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
	changed := replacedAttributes(state, plan)
	if len(changed) == 0 {
		return
	}
	replacement := icaobjects.Replacement{Name: state.Name.ValueString(), ID: state.ID.ValueString(),
		Changed: changed, CredentialUnknown: plan.CredentialID.IsUnknown()}
	if !plan.Name.IsUnknown() {
		replacement.NewName = plan.Name.ValueString()
	}
	if err := replacement.Refusal(); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Storage configuration replacement keeps the name", err.Error())
		return
	}
	resp.Diagnostics.AddWarning("The old ICA storage configuration stays in ICA",
		fmt.Sprintf("Changing %s replaces the ICA storage configuration %q (%s), but ICA has no delete API: the old "+
			"configuration stays in ICA. %s", strings.Join(changed, ", "), state.Name.ValueString(),
			state.ID.ValueString(), configurationUIHint))
}

// replacedAttributes names the attributes whose change forces a new configuration; it mirrors the
// attributes' plan modifiers.
func replacedAttributes(state, plan storageConfigurationModel) []string {
	var out []string
	check := func(name string, differs bool) {
		if differs {
			out = append(out, name)
		}
	}
	check("name", !plan.Name.Equal(state.Name))
	check("description", !sameOptional(state.Description, plan.Description))
	check("credential_id", !state.CredentialID.IsNull() && !sameUUID(state.CredentialID, plan.CredentialID))
	check("region_id", !sameUUID(state.RegionID, plan.RegionID))
	check("bucket", !plan.Bucket.Equal(state.Bucket))
	check("prefix", !samePrefix(state.Prefix, plan.Prefix))
	check("sse_algorithm", !sameSSE(state.SSEAlgorithm, plan.SSEAlgorithm))
	check("sse_kms_key_arn", !plan.SSEKMSKeyARN.Equal(state.SSEKMSKeyARN))
	return out
}

func (r *storageConfigurationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan storageConfigurationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultSettleTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	spec, err := specFromModel(plan)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("prefix"), "Invalid prefix", err.Error())
		return
	}
	client := r.data.ICA

	sc, adopted := r.adopt(ctx, spec, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !adopted {
		created, err := client.CreateStorageConfiguration(ctx, spec.CreateRequest())
		switch {
		case ica.IsConflict(err):
			if sc, adopted = r.adopt(ctx, spec, &resp.Diagnostics); !adopted && !resp.Diagnostics.HasError() {
				addICAError(&resp.Diagnostics, "create", "storage configuration", spec.Name, err)
			}
		case err != nil:
			addICAError(&resp.Diagnostics, "create", "storage configuration", spec.Name, err)
		default:
			sc = created
		}
		if resp.Diagnostics.HasError() {
			return
		}
	}

	if plan.Shared.ValueBool() {
		if err := client.ShareStorageConfiguration(ctx, sc.ID); err != nil {
			addICAError(&resp.Diagnostics, "share", "storage configuration", spec.Name, err)
			return
		}
	}

	if plan.WaitForOK.ValueBool() {
		settled, err := r.waitSettled(ctx, sc.ID)
		if err != nil {
			r.addSettleError(&resp.Diagnostics, spec.Name, sc.ID, timeout, err)
			return
		}
		sc = settled
	} else if fresh, err := client.GetStorageConfiguration(ctx, sc.ID); err == nil {
		sc = fresh
	}

	plan.ID = types.StringValue(sc.ID)
	applyStatus(&plan, *sc)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// adopt adopts an existing configuration named like spec (see icaobjects.AdoptStorageConfiguration) and
// says so in a warning; a configuration of that name that cannot be adopted is an error.
func (r *storageConfigurationResource) adopt(ctx context.Context, spec icaobjects.StorageSpec, diags *diag.Diagnostics) (*ica.StorageConfiguration, bool) {
	sc, err := icaobjects.AdoptStorageConfiguration(ctx, r.data.ICA, spec)
	if err != nil {
		addObjectError(diags, err)
		return nil, false
	}
	if sc == nil {
		return nil, false
	}
	diags.AddWarning("Adopted an existing ICA storage configuration",
		fmt.Sprintf("ICA already had a storage configuration named %q (%s) with this bucket, prefix, region and "+
			"encryption, probably from an earlier apply (ICA cannot delete configurations). The provider now manages "+
			"it and has asked ICA to validate it again.", spec.Name, sc.ID))
	return sc, true
}

func (r *storageConfigurationResource) waitSettled(ctx context.Context, id string) (*ica.StorageConfiguration, error) {
	return icaobjects.WaitSettled(ctx, r.data.ICA, id, icaobjects.Poll{})
}

func (r *storageConfigurationResource) addSettleError(diags *diag.Diagnostics, name, id string, timeout time.Duration, err error) {
	var se *icaobjects.SettleError
	switch {
	case errors.As(err, &se):
		diags.AddError("ICA could not validate the storage configuration",
			fmt.Sprintf("ICA reports the storage configuration %q (%s) in ERROR: %s. Fix the bucket, prefix, "+
				"encryption or the credential's access key in AWS, then apply again (the configuration stays in ICA and "+
				"the next apply validates it again).", name, id, strings.TrimSuffix(se.Message, ".")))
	case errors.Is(err, icaobjects.ErrStillInitializing):
		diags.AddError("Timed out waiting for ICA to validate the storage configuration",
			fmt.Sprintf("The storage configuration %q (%s) was still INITIALIZING after %s. It stays in ICA: apply again "+
				"(it is validated again), raise timeouts, or set wait_for_ok = false.", name, id, timeout))
	default:
		addICAError(diags, "read", "storage configuration", name, err)
	}
}

func (r *storageConfigurationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state storageConfigurationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := r.data.ICA
	id := state.ID.ValueString()
	sc, err := client.GetStorageConfiguration(ctx, id)
	var details *ica.StorageConfigurationDetails
	if err == nil {
		details, err = client.GetStorageConfigurationDetails(ctx, id)
	}
	if ica.IsNotFound(err) {
		resp.Diagnostics.AddWarning("ICA storage configuration is gone",
			fmt.Sprintf("The ICA storage configuration %q (%s) no longer exists in ICA; the next apply creates it again.",
				state.Name.ValueString(), id))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addICAError(&resp.Diagnostics, "read", "storage configuration", id, err)
		return
	}
	if state.CredentialID.IsNull() && details.StorageCredential == nil {
		// Imported: only the list may say (undocumented) which credential the configuration uses.
		details.StorageCredential = r.credentialFromList(ctx, id)
	}
	applyICA(&state, *sc, details)
	if state.Shared.IsNull() {
		state.Shared = types.BoolValue(false)
	}
	if state.WaitForOK.IsNull() {
		state.WaitForOK = types.BoolValue(true)
	}
	if sc.Status == ica.StatusError {
		resp.Diagnostics.AddWarning("ICA reports the storage configuration in ERROR",
			fmt.Sprintf("ICA reports the storage configuration %q (%s) in ERROR: %s. Fix the AWS side, then change "+
				"revalidate_trigger to have ICA validate it again.", sc.Name, sc.ID, strings.TrimSuffix(deref(sc.ErrorMessage), ".")))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// credentialFromList returns the undocumented storageCredential of configuration id from the list,
// or nil when ICA does not say.
func (r *storageConfigurationResource) credentialFromList(ctx context.Context, id string) *ica.StorageCredentialRef {
	all, err := r.data.ICA.ListStorageConfigurations(ctx)
	if err != nil {
		return nil
	}
	for _, c := range all {
		if c.ID == id && c.StorageConfigurationDetails != nil {
			return c.StorageConfigurationDetails.StorageCredential
		}
	}
	return nil
}

func (r *storageConfigurationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state storageConfigurationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultSettleTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	client := r.data.ICA
	id, name := state.ID.ValueString(), state.Name.ValueString()
	plan.ID = state.ID
	// The plan keeps the known status unless ICA validates again (keepStatusUnlessRevalidated); the
	// result must match it, so a change ICA made meanwhile shows at the next refresh.
	revalidate := !plan.RevalidateTrigger.Equal(state.RevalidateTrigger)
	plan.Status, plan.ErrorMessage, plan.IsDefault = state.Status, state.ErrorMessage, state.IsDefault

	if plan.Shared.ValueBool() && !state.Shared.ValueBool() {
		if err := client.ShareStorageConfiguration(ctx, id); err != nil {
			addICAError(&resp.Diagnostics, "share", "storage configuration", name, err)
			return
		}
	}

	if revalidate {
		if err := client.ValidateStorageConfiguration(ctx, id); err != nil {
			addICAError(&resp.Diagnostics, "validate", "storage configuration", name, err)
			plan.RevalidateTrigger = state.RevalidateTrigger
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			return
		}
		var sc *ica.StorageConfiguration
		if plan.WaitForOK.ValueBool() {
			settled, err := r.waitSettled(ctx, id)
			if settled != nil {
				setStatus(&plan, *settled)
			}
			if err != nil {
				r.addSettleError(&resp.Diagnostics, name, id, timeout, err)
				// Keep the old trigger so that the next apply validates again.
				plan.RevalidateTrigger = state.RevalidateTrigger
				resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
				return
			}
			sc = settled
		} else {
			fresh, err := client.GetStorageConfiguration(ctx, id)
			if err != nil {
				addICAError(&resp.Diagnostics, "read", "storage configuration", name, err)
				return
			}
			sc = fresh
		}
		setStatus(&plan, *sc)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *storageConfigurationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state storageConfigurationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.AddWarning("ICA storage configuration left in ICA",
		fmt.Sprintf("The ICA storage configuration %q (%s) was removed from Terraform state but still exists in ICA. "+
			"Applying the same configuration again adopts it. %s", state.Name.ValueString(), state.ID.ValueString(),
			configurationUIHint))
}

func (r *storageConfigurationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !uuidPattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("%q is not a storage configuration UUID. Import by UUID, e.g. terraform import "+
				"ica_storage_configuration.x 0f8fad5b-d9cb-469f-a165-70867728950e (the UUID is in the ICA UI and in "+
				"GET /api/storageConfigurations).", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("shared"), false)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait_for_ok"), true)...)
}
