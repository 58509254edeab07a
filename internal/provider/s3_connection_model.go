package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
	"github.com/ica-tf/terraform-provider-ica/internal/naming"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
	"github.com/ica-tf/terraform-provider-ica/internal/regions"
)

type s3ConnectionModel struct {
	ID                 types.String   `tfsdk:"id"`
	Bucket             types.String   `tfsdk:"bucket"`
	Prefix             types.String   `tfsdk:"prefix"`
	ICARegion          types.String   `tfsdk:"ica_region"`
	IAMUserName        types.String   `tfsdk:"iam_user_name"`
	IAMPolicyName      types.String   `tfsdk:"iam_policy_name"`
	IAMPath            types.String   `tfsdk:"iam_path"`
	KMSKeyARN          types.String   `tfsdk:"kms_key_arn"`
	CORSAllowedOrigins types.List     `tfsdk:"cors_allowed_origins"`
	ManageCORS         types.Bool     `tfsdk:"manage_cors"`
	CredentialName     types.String   `tfsdk:"credential_name"`
	ShareCredential    types.Bool     `tfsdk:"share_credential"`
	RotationTrigger    types.String   `tfsdk:"rotation_trigger"`
	Tags               types.Map      `tfsdk:"tags"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
	CredentialID       types.String   `tfsdk:"credential_id"`
	AWSRegion          types.String   `tfsdk:"aws_region"`
	IAMUserARN         types.String   `tfsdk:"iam_user_arn"`
	IAMPolicyARN       types.String   `tfsdk:"iam_policy_arn"`
	AccessKeyID        types.String   `tfsdk:"access_key_id"`
	CORSRuleID         types.String   `tfsdk:"cors_rule_id"`
	PolicyJSON         types.String   `tfsdk:"policy_json"`
	ClaimToken         types.String   `tfsdk:"claim_token"`
}

// privatePolicyVersion is the private-state key of the policy's default version id (lets refresh read
// the policy with one call while the version is still the default).
const privatePolicyVersion = "policy_version"

// privateGetter is the part of the framework's private state that policyVersion needs.
type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

// policyVersion reads the recorded default policy version ("" when none). Private state holds JSON.
func policyVersion(ctx context.Context, p privateGetter) (string, diag.Diagnostics) {
	raw, diags := p.GetKey(ctx, privatePolicyVersion)
	if diags.HasError() || len(raw) == 0 {
		return "", diags
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", diags
	}
	return v, diags
}

func setPolicyVersion(ctx context.Context, p privateSetter, v string) diag.Diagnostics {
	raw, _ := json.Marshal(v)
	return p.SetKey(ctx, privatePolicyVersion, raw)
}

// spec builds the converger's desired state from a plan or a state. All values it reads must be known.
func (m *s3ConnectionModel) spec(ctx context.Context, rotate bool) (connection.Spec, diag.Diagnostics) {
	var diags diag.Diagnostics
	prefix, err := naming.NormalizePrefix(m.Prefix.ValueString())
	if err != nil {
		diags.AddAttributeError(pathPrefix, "Invalid prefix", err.Error())
		return connection.Spec{}, diags
	}
	s := connection.Spec{
		Bucket:         m.Bucket.ValueString(),
		Prefix:         prefix,
		KMSKeyARN:      m.KMSKeyARN.ValueString(),
		UserName:       m.IAMUserName.ValueString(),
		PolicyName:     m.IAMPolicyName.ValueString(),
		Path:           m.IAMPath.ValueString(),
		CredentialName: m.CredentialName.ValueString(),
		ManageCORS:     m.ManageCORS.IsNull() || m.ManageCORS.ValueBool(),
		Share:          m.ShareCredential.ValueBool(),
		Rotate:         rotate,
		Token:          m.ClaimToken.ValueString(),
	}
	if s.Path == "" {
		s.Path = "/"
	}
	if name := m.ICARegion.ValueString(); name != "" {
		r, err := regions.ByName(name)
		if err != nil {
			diags.AddAttributeError(pathICARegion, "Unknown ICA region", err.Error())
			return s, diags
		}
		s.RequiredRegion, s.ICARegionName = r.AWSRegion, r.Name
	}
	if !m.CORSAllowedOrigins.IsNull() && !m.CORSAllowedOrigins.IsUnknown() {
		diags.Append(m.CORSAllowedOrigins.ElementsAs(ctx, &s.CORSOrigins, false)...)
	}
	if len(s.CORSOrigins) == 0 {
		s.CORSOrigins = []string{policy.DefaultOrigin}
	}
	if !m.Tags.IsNull() && !m.Tags.IsUnknown() {
		diags.Append(m.Tags.ElementsAs(ctx, &s.Tags, false)...)
	}
	if !m.CORSRuleID.IsNull() && !m.CORSRuleID.IsUnknown() {
		s.CORSRuleID = m.CORSRuleID.ValueString()
	} else {
		s.CORSRuleID = naming.DefaultCORSRuleID(s.UserName)
	}
	return s, diags
}

// planned is the connection's names for the plan-time clash check; false while any of them is unknown.
func (m *s3ConnectionModel) planned(existing, destroying bool) (connection.Planned, bool) {
	for _, v := range []types.String{m.Bucket, m.IAMUserName, m.IAMPolicyName, m.CredentialName} {
		if !known(v) {
			return connection.Planned{}, false
		}
	}
	if m.Prefix.IsUnknown() || m.CORSRuleID.IsUnknown() {
		return connection.Planned{}, false
	}
	prefix, err := naming.NormalizePrefix(m.Prefix.ValueString())
	if err != nil {
		return connection.Planned{}, false
	}
	return connection.Planned{
		Bucket: m.Bucket.ValueString(), Prefix: prefix,
		UserName: m.IAMUserName.ValueString(), PolicyName: m.IAMPolicyName.ValueString(),
		CredentialName: m.CredentialName.ValueString(), CORSRuleID: m.CORSRuleID.ValueString(),
		Existing: existing, Destroying: destroying,
	}, true
}

// deriveNames fills in the default names (derived from bucket and prefix) of the names config leaves
// unset, where they are still unknown: at plan time when bucket and prefix are known, else at apply
// time. It is the one place that derives them.
func (m *s3ConnectionModel) deriveNames(config s3ConnectionModel) {
	if m.Bucket.IsUnknown() || m.Prefix.IsUnknown() {
		return
	}
	prefix, err := naming.NormalizePrefix(m.Prefix.ValueString())
	if err != nil {
		return
	}
	bucket := m.Bucket.ValueString()
	for _, n := range []struct {
		planned    *types.String
		configured types.String
		derive     func(bucket, prefix string) string
	}{
		{&m.IAMUserName, config.IAMUserName, naming.DefaultIAMUserName},
		{&m.IAMPolicyName, config.IAMPolicyName, naming.DefaultIAMPolicyName},
		{&m.CredentialName, config.CredentialName, naming.DefaultCredentialName},
	} {
		if n.configured.IsNull() && n.planned.IsUnknown() {
			*n.planned = types.StringValue(n.derive(bucket, prefix))
		}
	}
}

// priorState is what the converger knows from the Terraform state.
func (m *s3ConnectionModel) priorState(ctx context.Context, policyVersion string) (connection.State, diag.Diagnostics) {
	var diags diag.Diagnostics
	st := connection.State{
		Region:          m.AWSRegion.ValueString(),
		CORSRuleID:      m.CORSRuleID.ValueString(),
		CORSRule:        !m.CORSRuleID.IsNull() && !m.CORSRuleID.IsUnknown(),
		UserARN:         m.IAMUserARN.ValueString(),
		PolicyARN:       m.IAMPolicyARN.ValueString(),
		PolicyAttached:  !m.PolicyJSON.IsNull() && !m.PolicyJSON.IsUnknown(),
		PolicyJSON:      m.PolicyJSON.ValueString(),
		PolicyVersionID: policyVersion,
		AccessKeyID:     m.AccessKeyID.ValueString(),
		CredentialID:    m.CredentialID.ValueString(),
		Shared:          m.ShareCredential.ValueBool(),
		Token:           m.ClaimToken.ValueString(),
	}
	if !m.Tags.IsNull() && !m.Tags.IsUnknown() {
		diags.Append(m.Tags.ElementsAs(ctx, &st.Tags, false)...)
	}
	return st, diags
}

// setObserved writes the converger's result into the computed attributes. Parts that are gone become
// null, so the next plan shows them as changes. A policy document that means the same as the one
// already in m keeps m's text (no diff for formatting).
func (m *s3ConnectionModel) setObserved(st connection.State) {
	m.AWSRegion = stringOrNull(st.Region)
	if st.CORSRule && (m.ManageCORS.IsNull() || m.ManageCORS.ValueBool()) {
		m.CORSRuleID = types.StringValue(st.CORSRuleID)
	} else {
		m.CORSRuleID = types.StringNull()
	}
	m.IAMUserARN = stringOrNull(st.UserARN)
	m.IAMPolicyARN = stringOrNull(st.PolicyARN)
	if st.PolicyARN != "" && st.PolicyAttached && st.PolicyJSON != "" {
		if known := m.PolicyJSON; known.IsNull() || known.IsUnknown() || !policiesEquivalent(known.ValueString(), st.PolicyJSON) {
			m.PolicyJSON = types.StringValue(st.PolicyJSON)
		}
	} else {
		m.PolicyJSON = types.StringNull()
	}
	m.AccessKeyID = stringOrNull(st.AccessKeyID)
	m.CredentialID = stringOrNull(st.CredentialID)
	m.ClaimToken = stringOrNull(st.Token)
	if st.CredentialID != "" {
		m.ID = types.StringValue(st.CredentialID)
	} else if m.ID.IsUnknown() {
		m.ID = types.StringNull()
	}
}

func policiesEquivalent(a, b string) bool {
	eq, err := policy.Equivalent(a, b)
	return err == nil && eq
}

func tagsValue(tags map[string]string, like types.Map) types.Map {
	if len(tags) == 0 && like.IsNull() {
		return types.MapNull(types.StringType)
	}
	v, _ := types.MapValueFrom(context.Background(), types.StringType, tags)
	return v
}

// importID splits BUCKET:IAM_USER_NAME:CREDENTIAL.
func parseImportID(id string) (bucket, user, credential string, err error) {
	var parts []string
	start := 0
	for i := 0; i < len(id) && len(parts) < 2; i++ {
		if id[i] == ':' {
			parts = append(parts, id[start:i])
			start = i + 1
		}
	}
	parts = append(parts, id[start:])
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", fmt.Errorf("import ID %q is not BUCKET:IAM_USER_NAME:CREDENTIAL (CREDENTIAL is the ICA storage credential UUID or name), e.g. my-bucket:illumina_ica_admin:my-credential", id)
	}
	return parts[0], parts[1], parts[2], nil
}
