package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaobjects"
)

var (
	_ resource.ResourceWithConfigure        = (*secretCredentialResource)(nil)
	_ resource.ResourceWithConfigValidators = (*secretCredentialResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*secretCredentialResource)(nil)
	_ resource.ResourceWithImportState      = (*secretCredentialResource)(nil)
)

// NewSecretCredentialResource returns the ica_secret_credential resource: an ICA storage credential
// (what the ICA UI calls a secret credential) holding an AWS access key.
func NewSecretCredentialResource() resource.Resource { return &secretCredentialResource{} }

type secretCredentialResource struct {
	data *ProviderData
}

type secretCredentialModel struct {
	ID                       types.String `tfsdk:"id"`
	Name                     types.String `tfsdk:"name"`
	Type                     types.String `tfsdk:"type"`
	AccessKeyID              types.String `tfsdk:"access_key_id"`
	SecretAccessKeyWO        types.String `tfsdk:"secret_access_key_wo"`
	SecretAccessKeyWOVersion types.Int64  `tfsdk:"secret_access_key_wo_version"`
	SecretAccessKey          types.String `tfsdk:"secret_access_key"`
	Shared                   types.Bool   `tfsdk:"shared"`
	OwnerID                  types.String `tfsdk:"owner_id"`
	TenantID                 types.String `tfsdk:"tenant_id"`
	TimeCreated              types.String `tfsdk:"time_created"`
	TimeModified             types.String `tfsdk:"time_modified"`
}

// credentialUIHint is where users remove what Terraform cannot.
const credentialUIHint = "ICA has no API to delete storage credentials: delete it by hand in the ICA UI " +
	"(Storage → Secret Credentials) if it is no longer needed."

func (r *secretCredentialResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_credential"
}

func (r *secretCredentialResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = secretCredentialSchemaV0()
}

func (r *secretCredentialResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("secret_access_key_wo"), path.MatchRoot("secret_access_key")),
		resourcevalidator.PreferWriteOnlyAttribute(path.MatchRoot("secret_access_key"), path.MatchRoot("secret_access_key_wo")),
	}
}

func (r *secretCredentialResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *secretCredentialResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if !requireICACredentials(r.data, "ica_secret_credential", "manages an ICA storage credential", &resp.Diagnostics) || req.State.Raw.IsNull() {
		return
	}
	var state, plan secretCredentialModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	refuseUnshare("shared", state.Shared, plan.Shared, "storage credential", state.Name.ValueString(), &resp.Diagnostics)
	if !plan.Name.Equal(state.Name) || !plan.Type.Equal(state.Type) {
		resp.Diagnostics.AddWarning("The old ICA storage credential stays in ICA",
			fmt.Sprintf("Replacing the ICA storage credential %q (%s) leaves it in ICA, where it keeps its key. %s",
				state.Name.ValueString(), state.ID.ValueString(), credentialUIHint))
	}
}

// secretFrom returns the secret to send: the write-only value from the configuration (it is never in the
// plan), else the stored one from the plan.
func secretFrom(ctx context.Context, config tfsdk.Config, plan secretCredentialModel, diags *diag.Diagnostics) string {
	var wo types.String
	diags.Append(config.GetAttribute(ctx, path.Root("secret_access_key_wo"), &wo)...)
	if !wo.IsNull() && !wo.IsUnknown() {
		return wo.ValueString()
	}
	if !plan.SecretAccessKey.IsNull() && !plan.SecretAccessKey.IsUnknown() {
		return plan.SecretAccessKey.ValueString()
	}
	diags.AddAttributeError(path.Root("secret_access_key_wo"), "Missing secret access key",
		"Neither secret_access_key_wo nor secret_access_key has a known value, so there is nothing to send to ICA. "+
			"Set exactly one of them.")
	return ""
}

func (r *secretCredentialResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan secretCredentialModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	secret := secretFrom(ctx, req.Config, plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.data.ICA
	name := plan.Name.ValueString()
	creds := ica.AWSCredentials{AccessKeyID: plan.AccessKeyID.ValueString(), SecretAccessKey: secret}

	cred, adopted := r.adopt(ctx, name, creds, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !adopted {
		created, err := client.CreateStorageCredential(ctx, ica.CreateStorageCredential{
			Name: name, Type: plan.Type.ValueString(), AWSCredentials: &creds,
		})
		switch {
		case ica.IsConflict(err):
			// Created concurrently (another run or the UI) since the list: adopt it as above.
			if cred, adopted = r.adopt(ctx, name, creds, &resp.Diagnostics); !adopted && !resp.Diagnostics.HasError() {
				addICAError(&resp.Diagnostics, "create", "storage credential", name, err)
			}
		case err != nil:
			addICAError(&resp.Diagnostics, "create", "storage credential", name, err)
		default:
			cred = created
		}
		if resp.Diagnostics.HasError() {
			return
		}
	}

	// Record the credential before sharing, so a failed share still leaves it in state.
	plan.ID = types.StringValue(cred.ID)
	setCredentialComputed(&plan, cred)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)

	if plan.Shared.ValueBool() {
		if err := client.ShareStorageCredential(ctx, cred.ID); err != nil {
			addICAError(&resp.Diagnostics, "share", "storage credential", name, err)
			plan.Shared = types.BoolValue(false)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			return
		}
	}
	r.refresh(ctx, &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// adopt adopts an existing credential named name (see icaobjects.AdoptCredential) and says so in a
// warning.
func (r *secretCredentialResource) adopt(ctx context.Context, name string, creds ica.AWSCredentials, diags *diag.Diagnostics) (*ica.StorageCredential, bool) {
	cred, err := icaobjects.AdoptCredential(ctx, r.data.ICA, name, creds)
	if err != nil {
		addObjectError(diags, err)
		return nil, false
	}
	if cred == nil {
		return nil, false
	}
	diags.AddWarning("Adopted an existing ICA storage credential",
		fmt.Sprintf("ICA already had a storage credential named %q (%s), probably from an earlier apply (ICA cannot "+
			"delete credentials). The provider now manages it and has replaced its access key with this "+
			"configuration's.", name, cred.ID))
	return cred, true
}

func setCredentialComputed(m *secretCredentialModel, c *ica.StorageCredential) {
	m.Name = types.StringValue(c.Name)
	m.Type = types.StringValue(c.Type)
	m.OwnerID = types.StringValue(c.OwnerID)
	m.TenantID = types.StringValue(c.TenantID)
	m.TimeCreated = types.StringValue(c.TimeCreated)
	m.TimeModified = types.StringValue(c.TimeModified)
	// Write-only values never reach state.
	m.SecretAccessKeyWO = types.StringNull()
}

// refresh re-reads the credential after a change so that time_modified is current.
func (r *secretCredentialResource) refresh(ctx context.Context, m *secretCredentialModel, diags *diag.Diagnostics) {
	cred, err := r.data.ICA.GetStorageCredential(ctx, m.ID.ValueString())
	if err != nil {
		addICAError(diags, "read", "storage credential", m.Name.ValueString(), err)
		return
	}
	setCredentialComputed(m, cred)
}

func (r *secretCredentialResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state secretCredentialModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// No timeouts block here: the read default bounds the refresh.
	ctx, cancel := withReadDefault(ctx)
	defer cancel()
	cred, err := r.data.ICA.GetStorageCredential(ctx, state.ID.ValueString())
	if ica.IsNotFound(err) {
		resp.Diagnostics.AddWarning("ICA storage credential is gone",
			fmt.Sprintf("The ICA storage credential %q (%s) no longer exists in ICA; the next apply creates it again.",
				state.Name.ValueString(), state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addICAError(&resp.Diagnostics, "read", "storage credential", state.ID.ValueString(), err)
		return
	}
	setCredentialComputed(&state, cred)
	if state.Shared.IsNull() {
		state.Shared = types.BoolValue(false)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *secretCredentialResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state secretCredentialModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.data.ICA
	id, name := state.ID.ValueString(), plan.Name.ValueString()
	plan.ID = state.ID

	secretsChanged := !plan.AccessKeyID.Equal(state.AccessKeyID) ||
		!plan.SecretAccessKeyWOVersion.Equal(state.SecretAccessKeyWOVersion) ||
		!plan.SecretAccessKey.Equal(state.SecretAccessKey)
	if secretsChanged {
		secret := secretFrom(ctx, req.Config, plan, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		err := client.UpdateStorageCredentialSecrets(ctx, id, ica.AWSCredentials{
			AccessKeyID: plan.AccessKeyID.ValueString(), SecretAccessKey: secret,
		})
		if err != nil {
			addICAError(&resp.Diagnostics, "update the secrets of", "storage credential", name, err)
			return
		}
	}

	if plan.Shared.ValueBool() && !state.Shared.ValueBool() {
		if err := client.ShareStorageCredential(ctx, id); err != nil {
			addICAError(&resp.Diagnostics, "share", "storage credential", name, err)
			// The secrets may have been sent: keep them, but not the share, so the next apply retries it.
			plan.Shared = state.Shared
			setCredentialComputedFromState(&plan, state)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			return
		}
	}

	r.refresh(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func setCredentialComputedFromState(plan *secretCredentialModel, state secretCredentialModel) {
	plan.OwnerID, plan.TenantID = state.OwnerID, state.TenantID
	plan.TimeCreated, plan.TimeModified = state.TimeCreated, state.TimeModified
	plan.SecretAccessKeyWO = types.StringNull()
}

func (r *secretCredentialResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state secretCredentialModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.AddWarning("ICA storage credential left in ICA",
		fmt.Sprintf("The ICA storage credential %q (%s) was removed from Terraform state but still exists in ICA. %s",
			state.Name.ValueString(), state.ID.ValueString(), credentialUIHint))
}

// ImportState accepts the credential UUID or name:<name>.
func (r *secretCredentialResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ctx, cancel := withReadDefault(ctx)
	defer cancel()
	id := req.ID
	if name, ok := strings.CutPrefix(req.ID, "name:"); ok {
		cred, err := icaobjects.CredentialNamed(ctx, r.data.ICA, name)
		var ambiguous *icaobjects.AmbiguousNameError
		switch {
		case errors.As(err, &ambiguous):
			resp.Diagnostics.AddError("Several ICA storage credentials have this name", ambiguous.Error()+".")
			return
		case err != nil:
			addObjectError(&resp.Diagnostics, err)
			return
		case cred == nil:
			resp.Diagnostics.AddError("No ICA storage credential has this name",
				fmt.Sprintf("ICA has no storage credential named %q visible to these credentials (names are "+
					"case-sensitive). Check the name in the ICA UI (Storage → Secret Credentials), or import by UUID.", name))
			return
		}
		id = cred.ID
	} else if !uuidPattern.MatchString(id) {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("%q is neither a storage credential UUID nor name:<name>. Use e.g. "+
				"terraform import ica_secret_credential.x 0f8fad5b-d9cb-469f-a165-70867728950e, or name:my-credential.", id))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	// ICA does not say whether a credential is shared; assume not, so shared = true in the configuration
	// sends :share (harmless when it already is).
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("shared"), false)...)
}
