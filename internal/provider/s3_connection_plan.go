// Plan-time behaviour of ica_s3_connection: ModifyPlan (derived names, the checks that need AWS, the
// plan-time name check) and the destroy plan's warnings.

package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
	"github.com/ica-tf/terraform-provider-ica/internal/naming"
	"github.com/ica-tf/terraform-provider-ica/internal/regions"
)

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
