package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

func ptr(s string) *string { return &s }

func TestSpecFromModelNormalizes(t *testing.T) {
	m := storageConfigurationModel{
		Name:         types.StringValue("data"),
		Description:  types.StringNull(),
		CredentialID: types.StringValue("c"),
		RegionID:     types.StringValue("r"),
		Bucket:       types.StringValue("b"),
		Prefix:       types.StringValue("ica/runs"),
		SSEAlgorithm: types.StringValue("AWS:KMS"),
		SSEKMSKeyARN: types.StringValue("arn:aws:kms:us-east-1:123456789012:key/k"),
	}
	spec, err := specFromModel(m)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Prefix != "ica/runs/" || spec.SSEAlgorithm != "aws:kms" {
		t.Fatalf("prefix %q, sse %q: want ica/runs/ and aws:kms", spec.Prefix, spec.SSEAlgorithm)
	}
	req := spec.CreateRequest()
	if req.Description != nil || req.AWSDetails.KeyPrefix == nil || *req.AWSDetails.KeyPrefix != "ica/runs/" ||
		req.AWSDetails.ServerSideEncryptionKey == nil || req.Type != ica.StorageTypeAWSS3 {
		t.Fatalf("unexpected create request %+v / %+v", req, req.AWSDetails)
	}

	// Without a prefix and with AES256, nothing optional is sent and a stray key is dropped.
	m.Prefix, m.SSEAlgorithm = types.StringNull(), types.StringValue("aes256")
	spec, err = specFromModel(m)
	if err != nil {
		t.Fatal(err)
	}
	req = spec.CreateRequest()
	if req.AWSDetails.KeyPrefix != nil || req.AWSDetails.ServerSideEncryptionKey != nil ||
		*req.AWSDetails.ServerSideEncryptionAlgorithm != "AES256" {
		t.Fatalf("unexpected details %+v", req.AWSDetails)
	}

	m.Prefix = types.StringValue("/abs")
	if _, err := specFromModel(m); err == nil {
		t.Fatal("a leading slash must be refused")
	}
}

func TestApplyICAKeepsSpelling(t *testing.T) {
	m := storageConfigurationModel{
		Description:  types.StringNull(),
		CredentialID: types.StringValue("c1"),
		RegionID:     types.StringValue("r1"),
		Prefix:       types.StringValue("ica"),
		SSEAlgorithm: types.StringValue("AWS:KMS"),
		SSEKMSKeyARN: types.StringValue("k"),
	}
	sc := ica.StorageConfiguration{ID: "id", Name: "n", Description: ptr(""), Region: ica.Region{ID: "R1"},
		Status: ica.StatusError, ErrorMessage: ptr("Access Denied")}
	applyICA(&m, sc, &ica.StorageConfigurationDetails{AWSS3: &ica.AWSDetails{BucketName: "b", KeyPrefix: ptr("ica/"),
		ServerSideEncryptionAlgorithm: ptr("aws:kms"), ServerSideEncryptionKey: ptr("k")}})
	if m.Prefix.ValueString() != "ica" || m.SSEAlgorithm.ValueString() != "AWS:KMS" || m.RegionID.ValueString() != "r1" ||
		!m.Description.IsNull() || m.CredentialID.ValueString() != "c1" {
		t.Fatalf("user spelling not kept: %+v", m)
	}
	if m.Status.ValueString() != "ERROR" || m.ErrorMessage.ValueString() != "Access Denied" || m.Bucket.ValueString() != "b" {
		t.Fatalf("ICA values not applied: %+v", m)
	}

	// A real change (drift) replaces the state value; an imported configuration gets ICA's credential.
	m.CredentialID = types.StringNull()
	applyICA(&m, sc, &ica.StorageConfigurationDetails{
		AWSS3:             &ica.AWSDetails{BucketName: "b", KeyPrefix: ptr("other/")},
		StorageCredential: &ica.StorageCredentialRef{ID: "c9"},
	})
	if m.Prefix.ValueString() != "other/" || !m.SSEAlgorithm.IsNull() || !m.SSEKMSKeyARN.IsNull() || m.CredentialID.ValueString() != "c9" {
		t.Fatalf("drift not shown: %+v", m)
	}
}

func TestReplacedAttributes(t *testing.T) {
	base := storageConfigurationModel{
		Name: types.StringValue("n"), Description: types.StringNull(), CredentialID: types.StringValue("c"),
		RegionID: types.StringValue("r"), Bucket: types.StringValue("b"), Prefix: types.StringValue("ica"),
		SSEAlgorithm: types.StringValue("aws:kms"), SSEKMSKeyARN: types.StringNull(),
	}
	plan := base
	plan.Prefix, plan.SSEAlgorithm, plan.Description, plan.RegionID = types.StringValue("ica/"), types.StringValue("AWS:KMS"), types.StringValue(""), types.StringValue("R")
	if got := replacedAttributes(base, plan); len(got) != 0 {
		t.Fatalf("respellings must not replace: %v", got)
	}
	plan.Bucket, plan.CredentialID = types.StringValue("b2"), types.StringUnknown()
	if got := strings.Join(replacedAttributes(base, plan), ","); got != "credential_id,bucket" {
		t.Fatalf("got %q, want credential_id,bucket", got)
	}
	imported := base
	imported.CredentialID = types.StringNull()
	plan = base
	if got := replacedAttributes(imported, plan); len(got) != 0 {
		t.Fatalf("a credential id set after import must not replace: %v", got)
	}
}
