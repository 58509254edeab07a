package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/naming"
)

const sseKMS, sseAES256 = "aws:kms", "AES256"

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

// storageSpec is the part of a storage configuration ICA fixes at creation, in ICA's spelling
// (prefix "folder/" or "", SSE algorithm "AES256", "aws:kms" or "").
type storageSpec struct {
	Name, Description, CredentialID, RegionID, Bucket, Prefix, SSEAlgorithm, SSEKMSKeyARN string
}

// canonicalSSE spells an SSE algorithm as the provider sends it; unknown spellings pass through.
func canonicalSSE(s string) string {
	switch {
	case strings.EqualFold(s, sseKMS):
		return sseKMS
	case strings.EqualFold(s, sseAES256):
		return sseAES256
	}
	return s
}

// specFromModel converts a (validated, known) plan into what is sent to ICA.
func specFromModel(m storageConfigurationModel) (storageSpec, error) {
	prefix, err := naming.NormalizePrefix(m.Prefix.ValueString())
	if err != nil {
		return storageSpec{}, err
	}
	s := storageSpec{
		Name:         m.Name.ValueString(),
		Description:  m.Description.ValueString(),
		CredentialID: m.CredentialID.ValueString(),
		RegionID:     m.RegionID.ValueString(),
		Bucket:       m.Bucket.ValueString(),
		Prefix:       prefix,
		SSEAlgorithm: canonicalSSE(m.SSEAlgorithm.ValueString()),
	}
	if s.SSEAlgorithm == sseKMS {
		s.SSEKMSKeyARN = m.SSEKMSKeyARN.ValueString()
	}
	return s, nil
}

func (s storageSpec) createRequest() ica.CreateStorageConfiguration {
	details := &ica.AWSDetails{BucketName: s.Bucket}
	if s.Prefix != "" {
		details.KeyPrefix = &s.Prefix
	}
	if s.SSEAlgorithm != "" {
		details.ServerSideEncryptionAlgorithm = &s.SSEAlgorithm
	}
	if s.SSEKMSKeyARN != "" {
		details.ServerSideEncryptionKey = &s.SSEKMSKeyARN
	}
	req := ica.CreateStorageConfiguration{
		Name:                s.Name,
		StorageCredentialID: s.CredentialID,
		Type:                ica.StorageTypeAWSS3,
		RegionID:            s.RegionID,
		AWSDetails:          details,
	}
	if s.Description != "" {
		req.Description = &s.Description
	}
	return req
}

// specFromICA is what ICA holds for an existing configuration. CredentialID is empty when ICA does not
// say (it is undocumented).
func specFromICA(sc ica.StorageConfiguration, d *ica.StorageConfigurationDetails) storageSpec {
	s := storageSpec{Name: sc.Name, Description: deref(sc.Description), RegionID: sc.Region.ID}
	if d != nil {
		if d.AWSS3 != nil {
			s.Bucket = d.AWSS3.BucketName
			s.Prefix = deref(d.AWSS3.KeyPrefix)
			s.SSEAlgorithm = canonicalSSE(deref(d.AWSS3.ServerSideEncryptionAlgorithm))
			if s.SSEAlgorithm == sseKMS {
				s.SSEKMSKeyARN = deref(d.AWSS3.ServerSideEncryptionKey)
			}
		}
		if d.StorageCredential != nil {
			s.CredentialID = d.StorageCredential.ID
		}
	}
	return s
}

// differences lists, in words, where an existing configuration differs from the wanted one; the
// credential only counts when ICA told us which one it uses.
func (s storageSpec) differences(existing storageSpec) []string {
	var out []string
	add := func(attr, have, want string) {
		out = append(out, fmt.Sprintf("%s is %q in ICA but %q in the configuration", attr, have, want))
	}
	if existing.Bucket != s.Bucket {
		add("bucket", existing.Bucket, s.Bucket)
	}
	if normalizedOrSelf(existing.Prefix) != s.Prefix {
		add("prefix", existing.Prefix, s.Prefix)
	}
	if !strings.EqualFold(existing.RegionID, s.RegionID) {
		add("region_id", existing.RegionID, s.RegionID)
	}
	if !strings.EqualFold(existing.SSEAlgorithm, s.SSEAlgorithm) {
		add("sse_algorithm", existing.SSEAlgorithm, s.SSEAlgorithm)
	}
	if existing.SSEKMSKeyARN != s.SSEKMSKeyARN {
		add("sse_kms_key_arn", existing.SSEKMSKeyARN, s.SSEKMSKeyARN)
	}
	if existing.Description != s.Description {
		add("description", existing.Description, s.Description)
	}
	if existing.CredentialID != "" && !strings.EqualFold(existing.CredentialID, s.CredentialID) {
		add("credential_id", existing.CredentialID, s.CredentialID)
	}
	return out
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
	got := specFromICA(sc, d)
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

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
