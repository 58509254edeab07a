package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
)

var (
	_ resource.ResourceWithConfigure   = (*s3ConnectionResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*s3ConnectionResource)(nil)
	_ resource.ResourceWithImportState = (*s3ConnectionResource)(nil)
)

var (
	pathPrefix    = path.Root("prefix")
	pathICARegion = path.Root("ica_region")
	pathBucket    = path.Root("bucket")
	pathKMSKeyARN = path.Root("kms_key_arn")
)

// timeoutAttrTypes is the object type of the timeouts block (for a null value on import).
var timeoutAttrTypes = map[string]attr.Type{"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType}

const (
	defaultConnectionCreateTimeout = 10 * time.Minute
	defaultConnectionUpdateTimeout = 10 * time.Minute
	defaultConnectionDeleteTimeout = 5 * time.Minute
)

// NewS3ConnectionResource returns the ica_s3_connection resource.
func NewS3ConnectionResource() resource.Resource { return &s3ConnectionResource{} }

type s3ConnectionResource struct {
	data *ProviderData
	conv *connection.Converger
}

func (r *s3ConnectionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_s3_connection"
}

func (r *s3ConnectionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
	if r.data != nil {
		r.conv = r.data.connections
	}
}

func (r *s3ConnectionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config s3ConnectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	timeout, diags := plan.Timeouts.Create(ctx, defaultConnectionCreateTimeout)
	resp.Diagnostics.Append(diags...)
	plan.deriveNames(config)
	spec, diags := plan.spec(ctx, false)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The token is this Terraform object's; a create stamps it as its claim once it has finished.
	spec.Token = uuid.NewString()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	st, err := r.conv.Apply(ctx, spec, connection.State{})
	if plan.CORSRuleID.IsUnknown() {
		plan.CORSRuleID = types.StringValue(spec.CORSRuleID)
	}
	r.save(ctx, &plan, plan, st, err, resp.Private, &resp.State, &resp.Diagnostics, "create")
}

func (r *s3ConnectionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state s3ConnectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultConnectionUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	version, diags := policyVersion(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	rotate := !plan.RotationTrigger.Equal(state.RotationTrigger)
	spec, diags := plan.spec(ctx, rotate)
	resp.Diagnostics.Append(diags...)
	prior, diags := state.priorState(ctx, version)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if spec.Token == "" {
		// The first apply of older (or imported) state claims the user and policy with a new token.
		spec.Token = uuid.NewString()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	st, err := r.conv.Apply(ctx, spec, prior)
	if err != nil && rotate && st.AccessKeyID == prior.AccessKeyID {
		// The rotation did not finish: keep the old trigger so the next apply rotates again.
		plan.RotationTrigger = state.RotationTrigger
	}
	r.save(ctx, &plan, state, st, err, resp.Private, &resp.State, &resp.Diagnostics, "update")
}

// privateSetter is the part of the framework's private state that save needs.
type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// stateSetter is the part of tfsdk.State that save needs.
type stateSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

// save records the converger's result. On failure the parts that exist are saved (Terraform then
// marks a failed create as tainted, and its destroy removes them) and the error names the step.
func (r *s3ConnectionResource) save(ctx context.Context, m *s3ConnectionModel, prior s3ConnectionModel, st connection.State, err error,
	private privateSetter, state stateSetter, diags *diag.Diagnostics, action string) {
	for _, note := range st.Adopted {
		diags.AddWarning("Existing object adopted", fmt.Sprintf("Connection of bucket %q: %s.", m.Bucket.ValueString(), note))
	}
	for _, note := range st.Notes {
		diags.AddWarning("Connection shares objects with another connection", fmt.Sprintf("Connection of bucket %q: %s.", m.Bucket.ValueString(), note))
	}
	for _, note := range st.Warnings {
		diags.AddWarning("Access self-test", fmt.Sprintf("Connection of bucket %q: %s", m.Bucket.ValueString(), note))
	}
	if err != nil {
		if action == "create" && st.UserARN == "" && st.PolicyARN == "" && !st.CORSRule && st.CredentialID == "" {
			addConnectionError(diags, "create-nothing", err)
			return
		}
		addConnectionError(diags, action, err)
		// Record what really happened, so the next plan shows what is still to do.
		m.Tags = tagsValue(st.Tags, prior.Tags)
		m.ShareCredential = types.BoolValue(st.Shared)
	}
	m.setObserved(st)
	if st.PolicyVersionID != "" {
		diags.Append(setPolicyVersion(ctx, private, st.PolicyVersionID)...)
	}
	diags.Append(state.Set(ctx, m)...)
}

func (r *s3ConnectionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state s3ConnectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	version, diags := policyVersion(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, diags := state.spec(ctx, false)
	resp.Diagnostics.Append(diags...)
	prior, diags := state.priorState(ctx, version)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	st, err := r.conv.Read(ctx, spec, prior)
	if err != nil {
		addConnectionError(&resp.Diagnostics, "read", err)
		return
	}
	state.setObserved(st)
	// The IAM user's tags as they are (tags changed outside Terraform show as drift).
	state.Tags = tagsValue(st.Tags, state.Tags)
	if st.CredentialID == "" {
		// Keep the resource id: only the credential is gone, and the next apply recreates it.
		state.ID = types.StringValue(prior.CredentialID)
		if prior.CredentialID == "" {
			state.ID = types.StringNull()
		}
	}
	if st.PolicyVersionID != "" && st.PolicyVersionID != version {
		resp.Diagnostics.Append(setPolicyVersion(ctx, resp.Private, st.PolicyVersionID)...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *s3ConnectionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state s3ConnectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultConnectionDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	spec, diags := state.spec(ctx, false)
	resp.Diagnostics.Append(diags...)
	// The recorded policy version lets a policy still at v1 be deleted without listing its versions.
	version, diags := policyVersion(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	prior, diags := state.priorState(ctx, version)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	notes, err := r.conv.Delete(ctx, spec, prior)
	for _, note := range notes {
		resp.Diagnostics.AddWarning("Object left to the connection that claims it", fmt.Sprintf("Connection of bucket %q: %s.", state.Bucket.ValueString(), note))
	}
	if err != nil {
		addConnectionError(&resp.Diagnostics, "destroy", err)
		return
	}
	if id := state.CredentialID.ValueString(); id != "" {
		resp.Diagnostics.AddWarning("ICA storage credential left in ICA",
			fmt.Sprintf("The connection of bucket %q is destroyed (CORS rule, access key, IAM user and policy). ICA storage credential %q (%s) "+
				"remains in ICA and its key no longer works. %s", state.Bucket.ValueString(), state.CredentialName.ValueString(), id, credentialUIHint))
	}
}

func (r *s3ConnectionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	bucket, user, credential, err := parseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	if r.conv == nil {
		resp.Diagnostics.AddError("Provider not configured", "The provider must be configured to import an ica_s3_connection.")
		return
	}
	ctx, cancel := withReadDefault(ctx)
	defer cancel()
	im, err := r.conv.Import(ctx, bucket, user, credential)
	if err != nil {
		addConnectionError(&resp.Diagnostics, "import", err)
		return
	}
	m, diags := importedModel(ctx, im)
	resp.Diagnostics.Append(diags...)
	if im.State.PolicyVersionID != "" {
		resp.Diagnostics.Append(setPolicyVersion(ctx, resp.Private, im.State.PolicyVersionID)...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// importedModel is the state of an imported (or discovered) connection.
func importedModel(ctx context.Context, im connection.Imported) (s3ConnectionModel, diag.Diagnostics) {
	s := im.Spec
	m := s3ConnectionModel{
		Bucket:          types.StringValue(s.Bucket),
		Prefix:          stringOrNull(s.Prefix),
		ICARegion:       types.StringNull(),
		IAMUserName:     types.StringValue(s.UserName),
		IAMPolicyName:   types.StringValue(s.PolicyName),
		IAMPath:         types.StringValue(s.Path),
		KMSKeyARN:       stringOrNull(s.KMSKeyARN),
		ManageCORS:      types.BoolValue(s.ManageCORS),
		CredentialName:  types.StringValue(s.CredentialName),
		ShareCredential: types.BoolValue(false),
		RotationTrigger: types.StringNull(),
		VerifyAccess:    types.BoolValue(true),

		CrossAccountRoleARN: stringOrNull(s.CrossAccountRoleARN),
		Tags:                tagsValue(s.Tags, types.MapNull(types.StringType)),
		Timeouts:            timeouts.Value{Object: types.ObjectNull(timeoutAttrTypes)},
		PolicyJSON:          types.StringNull(),
	}
	origins, diags := types.ListValueFrom(ctx, types.StringType, s.CORSOrigins)
	m.CORSAllowedOrigins = origins
	m.setObserved(im.State)
	return m, diags
}
