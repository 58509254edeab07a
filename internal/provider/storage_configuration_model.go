package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaobjects"
	"github.com/ica-tf/terraform-provider-ica/internal/naming"
)

type storageConfigurationModel struct {
	ID                types.String   `tfsdk:"id"`
	Name              types.String   `tfsdk:"name"`
	Description       types.String   `tfsdk:"description"`
	CredentialID      types.String   `tfsdk:"credential_id"`
	RegionID          types.String   `tfsdk:"region_id"`
	Bucket            types.String   `tfsdk:"bucket"`
	Prefix            types.String   `tfsdk:"prefix"`
	SSEAlgorithm      types.String   `tfsdk:"sse_algorithm"`
	SSEKMSKeyARN      types.String   `tfsdk:"sse_kms_key_arn"`
	Shared            types.Bool     `tfsdk:"shared"`
	RevalidateTrigger types.String   `tfsdk:"revalidate_trigger"`
	WaitForOK         types.Bool     `tfsdk:"wait_for_ok"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
	Status            types.String   `tfsdk:"status"`
	ErrorMessage      types.String   `tfsdk:"error_message"`
	IsDefault         types.Bool     `tfsdk:"is_default"`
}

// specFromModel converts a (validated, known) plan into what is sent to ICA.
func specFromModel(m storageConfigurationModel) (icaobjects.StorageSpec, error) {
	prefix, err := naming.NormalizePrefix(m.Prefix.ValueString())
	if err != nil {
		return icaobjects.StorageSpec{}, err
	}
	s := icaobjects.StorageSpec{
		Name:         m.Name.ValueString(),
		Description:  m.Description.ValueString(),
		CredentialID: m.CredentialID.ValueString(),
		RegionID:     m.RegionID.ValueString(),
		Bucket:       m.Bucket.ValueString(),
		Prefix:       prefix,
		SSEAlgorithm: icaobjects.CanonicalSSE(m.SSEAlgorithm.ValueString()),
	}
	if s.SSEAlgorithm == icaobjects.SSEKMS {
		s.SSEKMSKeyARN = m.SSEKMSKeyARN.ValueString()
	}
	return s, nil
}

// sameSSE reports whether two SSE algorithm spellings are the same algorithm (null and "" alike).
func sameSSE(a, b types.String) bool {
	if a.IsUnknown() || b.IsUnknown() {
		return false
	}
	return strings.EqualFold(a.ValueString(), b.ValueString())
}

// sameOptional reports whether two optional strings are equal, null and "" alike.
func sameOptional(a, b types.String) bool {
	if a.IsUnknown() || b.IsUnknown() {
		return false
	}
	return a.ValueString() == b.ValueString()
}

// sameUUID compares UUIDs case-insensitively.
func sameUUID(a, b types.String) bool {
	if a.IsUnknown() || b.IsUnknown() || a.IsNull() != b.IsNull() {
		return false
	}
	return strings.EqualFold(a.ValueString(), b.ValueString())
}

// keepOr returns prior when it means the same as the value ICA reports (the user's spelling stays in
// state), else ICA's value (null when empty).
func keepOr(prior types.String, icaValue string, same func(a, b types.String) bool) types.String {
	v := types.StringValue(icaValue)
	if icaValue == "" {
		v = types.StringNull()
	}
	if same(prior, v) {
		return prior
	}
	return v
}

// applyICA copies what ICA reports into m, keeping the user's spelling where it means the same.
func applyICA(m *storageConfigurationModel, sc ica.StorageConfiguration, d *ica.StorageConfigurationDetails) {
	got := icaobjects.SpecFromICA(sc, d)
	m.ID = types.StringValue(sc.ID)
	m.Name = types.StringValue(sc.Name)
	m.Description = keepOr(m.Description, got.Description, sameOptional)
	m.RegionID = keepOr(m.RegionID, got.RegionID, sameUUID)
	if d != nil && d.AWSS3 != nil {
		m.Bucket = types.StringValue(got.Bucket)
		m.Prefix = keepOr(m.Prefix, got.Prefix, samePrefix)
		m.SSEAlgorithm = keepOr(m.SSEAlgorithm, got.SSEAlgorithm, sameSSE)
		m.SSEKMSKeyARN = keepOr(m.SSEKMSKeyARN, got.SSEKMSKeyARN, sameOptional)
	}
	if got.CredentialID != "" {
		m.CredentialID = keepOr(m.CredentialID, got.CredentialID, sameUUID)
	}
	applyStatus(m, sc)
}

func applyStatus(m *storageConfigurationModel, sc ica.StorageConfiguration) {
	setStatus(m, sc)
	m.IsDefault = types.BoolValue(sc.IsDefault)
}

// setStatus copies ICA's validation verdict (status and error message) into m.
func setStatus(m *storageConfigurationModel, sc ica.StorageConfiguration) {
	m.Status = types.StringValue(sc.Status)
	m.ErrorMessage = types.StringNull()
	if msg := deref(sc.ErrorMessage); msg != "" {
		m.ErrorMessage = types.StringValue(msg)
	}
}
