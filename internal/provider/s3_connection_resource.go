package provider

import (
	"context"
	"errors"
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
	"github.com/ica-tf/terraform-provider-ica/internal/naming"
	"github.com/ica-tf/terraform-provider-ica/internal/regions"
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

func (r *s3ConnectionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	ctx, cancel := withReadDefault(ctx)
	defer cancel()
	if req.Plan.Raw.IsNull() {
		r.warnDestroy(ctx, req, resp)
		return
	}
	var plan, config s3ConnectionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !requireICACredentials(r.data, "ica_s3_connection", "stores the access key in an ICA storage credential", &resp.Diagnostics) {
		return
	}
	creating := req.State.Raw.IsNull()
	var state s3ConnectionModel
	if !creating {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	// prefix: "ica" and "ica/" mean the same; keep the spelling in state.
	if !creating {
		keepEquivalent(&plan.Prefix, state.Prefix, samePrefix)
	}

	normPrefix, _ := naming.NormalizePrefix(plan.Prefix.ValueString())
	if creating {
		plan.deriveNames(config)
	}

	// cors_rule_id: ours is derived from the user name; null when CORS is not managed.
	switch {
	case plan.ManageCORS.IsUnknown():
		plan.CORSRuleID = types.StringUnknown()
	case !plan.ManageCORS.ValueBool():
		plan.CORSRuleID = types.StringNull()
	case !creating && !state.CORSRuleID.IsNull() && state.ManageCORS.ValueBool():
		plan.CORSRuleID = state.CORSRuleID
	case known(plan.IAMUserName):
		plan.CORSRuleID = types.StringValue(naming.DefaultCORSRuleID(plan.IAMUserName.ValueString()))
	default:
		plan.CORSRuleID = types.StringUnknown()
	}

	if !creating && refuseUnshare("share_credential", state.ShareCredential, plan.ShareCredential,
		"storage credential", state.CredentialName.ValueString(), &resp.Diagnostics) {
		return
	}

	planBucketPolicySid(creating, &plan, &state)
	r.planChecks(ctx, creating, &plan, &state, normPrefix, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	// A replacement's update plan is followed by its create plan, which records the new names: the
	// update plan records nothing (its names are the old object's, which the replacement frees).
	replacing := !creating && !(plan.Bucket.Equal(state.Bucket) && plan.IAMUserName.Equal(state.IAMUserName) &&
		plan.IAMPolicyName.Equal(state.IAMPolicyName) && plan.CredentialName.Equal(state.CredentialName))
	if p, ok := plan.planned(!creating, false); ok && !replacing && r.conv != nil {
		if err := r.conv.CheckPlanned(p); err != nil {
			resp.Diagnostics.AddError("Connection names clash with another connection", err.Error())
			return
		}
	}

	if !creating {
		rotating := !plan.RotationTrigger.Equal(state.RotationTrigger)
		userGone := state.IAMUserARN.IsNull()
		credGone := state.CredentialID.IsNull()
		if state.AccessKeyID.IsNull() || rotating || userGone || credGone {
			plan.AccessKeyID = types.StringUnknown()
		}
		if userGone {
			plan.IAMUserARN = types.StringUnknown()
		}
		if state.IAMPolicyARN.IsNull() {
			plan.IAMPolicyARN = types.StringUnknown()
		}
		if credGone {
			plan.CredentialID, plan.ID = types.StringUnknown(), types.StringUnknown()
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if !creating && state.ClaimToken.IsNull() && !resp.Plan.Raw.Equal(req.State.Raw) {
		// State from before claims (or an import): the next update claims the user and policy. Only
		// then: an unchanged connection plans no change (an import followed by plan shows none).
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("claim_token"), types.StringUnknown())...)
	}
}

// planChecks runs the checks that need AWS (the bucket's region against ica_region and the KMS key,
// the desired policy document), each only when the values it needs are known. They reuse the cached
// bucket reads of refresh.
func (r *s3ConnectionResource) planChecks(ctx context.Context, creating bool, plan, state *s3ConnectionModel, normPrefix string, resp *resource.ModifyPlanResponse) {
	if !known(plan.Bucket) || r.conv == nil {
		plan.PolicyJSON = types.StringUnknown()
		if creating {
			plan.AWSRegion = types.StringUnknown()
		}
		return
	}
	bucket := plan.Bucket.ValueString()
	region, err := r.conv.BucketRegion(ctx, bucket)
	if errors.Is(err, connection.ErrNotFound) {
		resp.Diagnostics.AddAttributeWarning(pathBucket, "Bucket not found",
			fmt.Sprintf("S3 bucket %q does not exist yet, so its region and the policy cannot be checked at plan time. "+
				"If it is created in this apply, the checks run again before anything is made; otherwise create the bucket or fix its name.", bucket))
		plan.PolicyJSON, plan.AWSRegion = types.StringUnknown(), types.StringUnknown()
		return
	}
	if err != nil {
		// An error, not unknown values: at apply Terraform plans again, and values that were known at plan
		// time must not turn unknown (Terraform would call that a bug in the provider).
		addPlanAWSError(&resp.Diagnostics, "the region of S3 bucket "+fmt.Sprintf("%q", bucket), err)
		return
	}
	plan.AWSRegion = types.StringValue(region)
	if known(plan.ICARegion) {
		if ir, err := regions.ByName(plan.ICARegion.ValueString()); err == nil && ir.AWSRegion != region {
			resp.Diagnostics.AddAttributeError(pathICARegion, "Bucket is in the wrong region for ICA",
				fmt.Sprintf("Bucket %q is in %s but ICA region %q needs %s. Create the bucket in %s or choose the ica_region that matches %s.",
					bucket, region, ir.Name, ir.AWSRegion, ir.AWSRegion, region))
			return
		}
	}
	if known(plan.KMSKeyARN) {
		if err := naming.ValidateKMSKeyARN(plan.KMSKeyARN.ValueString(), region); err != nil {
			resp.Diagnostics.AddAttributeError(pathKMSKeyARN, "KMS key in the wrong region", err.Error())
			return
		}
	}
	if !known(plan.Prefix) && !plan.Prefix.IsNull() || plan.KMSKeyARN.IsUnknown() {
		plan.PolicyJSON = types.StringUnknown()
		return
	}
	if r.preflight(ctx, bucket, region, plan.KMSKeyARN.ValueString(), &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	desired, err := r.conv.DesiredPolicy(ctx, connection.Spec{Bucket: bucket, Prefix: normPrefix, KMSKeyARN: plan.KMSKeyARN.ValueString()})
	if err != nil {
		addPlanAWSError(&resp.Diagnostics, "the versioning of S3 bucket "+fmt.Sprintf("%q", bucket), err)
		return
	}
	if !creating && known(state.PolicyJSON) && policiesEquivalent(state.PolicyJSON.ValueString(), desired) {
		plan.PolicyJSON = state.PolicyJSON
	} else {
		plan.PolicyJSON = types.StringValue(desired)
	}
}

// addPlanAWSError fails a plan whose checks could not read what from AWS.
func addPlanAWSError(diags *diag.Diagnostics, what string, err error) {
	diags.AddAttributeError(pathBucket, "Could not read from AWS to plan the connection",
		fmt.Sprintf("Reading %s failed: %s. The plan needs it to check the bucket's region and to compute the IAM "+
			"policy. Nothing was changed; fix the cause and run the command again.", what, trimDot(err.Error())))
}

// warnDestroy says what destroy leaves behind: the ICA credential (no delete API), and storage
// configurations that use it stop working.
func (r *s3ConnectionResource) warnDestroy(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var state s3ConnectionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if p, ok := state.planned(true, true); ok && r.conv != nil {
		// A destroy clashes only with a create of exactly its names planned before it: a renamed resource.
		if err := r.conv.CheckPlanned(p); err != nil {
			resp.Diagnostics.AddError("ICA S3 connection names are taken by a create in this plan", err.Error())
			return
		}
	}
	if r.data == nil || !r.data.ICA.HasCredentials() || state.CredentialID.IsNull() {
		return
	}
	configs, err := r.data.storageConfigurations(ctx)
	if err != nil {
		return
	}
	var users []string
	configIDs := map[string]bool{}
	for _, c := range configs {
		if d := c.StorageConfigurationDetails; d != nil && d.StorageCredential != nil && d.StorageCredential.ID == state.CredentialID.ValueString() {
			users = append(users, fmt.Sprintf("%q (%s)", c.Name, c.ID))
			configIDs[c.ID] = true
		}
	}
	if len(users) > 0 {
		resp.Diagnostics.AddWarning("Storage configurations use this connection",
			fmt.Sprintf("Destroying the connection of bucket %q deletes the access key that ICA storage configurations %v use: they will turn ERROR%s. Remove them in ICA first if that is not intended.",
				state.Bucket.ValueString(), users, projectsOnConfigurations(ctx, r.data, configIDs)))
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
