package awsapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ica-tf/terraform-provider-ica/internal/awsapi"
	"github.com/ica-tf/terraform-provider-ica/internal/connection"
	"github.com/ica-tf/terraform-provider-ica/internal/readiness"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

func TestReadinessReadsAgainstMoto(t *testing.T) {
	m := acctest.SharedMoto(t)
	ctx := context.Background()
	bucket := acctest.RandomName("ready")
	if _, err := m.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	settings := settingsFor(m, "us-east-1")
	kmsClient := kms.New(kms.Options{Region: "us-east-1", BaseEndpoint: aws.String(m.Endpoint), Credentials: m.S3.Options().Credentials})
	key, err := kmsClient.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)

	fresh := awsapi.New(settings).ReadinessAdapter()
	enc, err := fresh.BucketEncryption(ctx, "us-east-1", bucket)
	if err != nil || enc.KMS() {
		t.Fatalf("a new moto bucket: encryption %+v err %v, want none or SSE-S3", enc, err)
	}
	own, err := fresh.BucketOwnership(ctx, "us-east-1", bucket)
	if err != nil || own == readiness.OwnershipEnforced {
		t.Fatalf("a new moto bucket: ownership %q err %v, want not enforced", own, err)
	}

	if _, err := m.S3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: key.KeyMetadata.KeyId},
		}}}}); err != nil {
		t.Fatal(err)
	}
	if err := acctest.EnforceBucketOwner(ctx, m, bucket); err != nil {
		t.Fatal(err)
	}
	// The first adapter keeps its answers for the life of the provider process.
	if again, _ := fresh.BucketOwnership(ctx, "us-east-1", bucket); again != own {
		t.Fatalf("ownership read again instead of cached: %q", again)
	}
	r := awsapi.New(settings).ReadinessAdapter()
	enc, err = r.BucketEncryption(ctx, "us-east-1", bucket)
	if err != nil || enc.Algorithm != "aws:kms" || enc.KeyID != aws.ToString(key.KeyMetadata.KeyId) {
		t.Fatalf("encryption %+v err %v", enc, err)
	}
	if own, err := r.BucketOwnership(ctx, "us-east-1", bucket); err != nil || own != readiness.OwnershipEnforced {
		t.Fatalf("ownership %q err %v", own, err)
	}
	k, err := r.DescribeKey(ctx, "us-east-1", enc.KeyID)
	if err != nil || k.ARN != keyARN || k.AWSManaged {
		t.Fatalf("DescribeKey %+v err %v, want customer key %s", k, err, keyARN)
	}
	findings := readiness.Check(ctx, r, bucket, "us-east-1", "")
	if len(findings) != 1 || findings[0].Severity != readiness.Error || !strings.Contains(findings[0].Detail, keyARN) {
		t.Fatalf("preflight of an SSE-KMS bucket without kms_key_arn: %+v", findings)
	}
	if f := readiness.Check(ctx, r, bucket, "us-east-1", keyARN); len(f) != 0 {
		t.Fatalf("preflight with the bucket's key: %+v", f)
	}
}

func TestBucketPolicyAdapter(t *testing.T) {
	m := acctest.SharedMoto(t)
	ctx := context.Background()
	bucket := acctest.RandomName("bp")
	if _, err := m.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	a := awsapi.New(settingsFor(m, "us-east-1")).S3Adapter()
	if doc, err := a.BucketPolicy(ctx, "us-east-1", bucket); err != nil || doc != "" {
		t.Fatalf("no policy: %q %v", doc, err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
	if err := a.PutBucketPolicy(ctx, "us-east-1", bucket, doc); err != nil {
		t.Fatal(err)
	}
	if got, err := a.BucketPolicy(ctx, "us-east-1", bucket); err != nil || !strings.Contains(got, `"Sid"`) {
		t.Fatalf("policy read back: %q %v", got, err)
	}
	if err := a.DeleteBucketPolicy(ctx, "us-east-1", bucket); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteBucketPolicy(ctx, "us-east-1", bucket); err != nil {
		t.Fatalf("deleting a policy that is gone must succeed: %v", err)
	}
	if _, err := a.BucketPolicy(ctx, "us-east-1", "no-such-"+bucket); !errors.Is(err, connection.ErrNotFound) {
		t.Fatalf("missing bucket: %v", err)
	}
}
