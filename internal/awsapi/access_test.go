package awsapi_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ica-tf/terraform-provider-ica/internal/awsapi"
	"github.com/ica-tf/terraform-provider-ica/internal/connection"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// TestAccessTesterAgainstMoto: the self-test's calls with a key of a new IAM user; in a versioned bucket
// deleting the probe's version leaves no version and no delete marker.
func TestAccessTesterAgainstMoto(t *testing.T) {
	m := acctest.SharedMoto(t)
	ctx := context.Background()
	bucket := acctest.RandomName("probe")
	if _, err := m.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	user := acctest.RandomName("probe-u")
	if _, err := m.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		t.Fatal(err)
	}
	k, err := m.IAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	key := connection.NewAccessKey{ID: aws.ToString(k.AccessKey.AccessKeyId), Secret: aws.ToString(k.AccessKey.SecretAccessKey)}
	a := awsapi.New(settingsFor(m, "us-east-1")).AccessTester()
	obj := connection.Object{Region: "us-east-1", Bucket: bucket, Key: "ica/" + connection.ProbeMarker + "0123456789abcdef"}
	if err := a.ListObjects(ctx, key, "us-east-1", bucket, "ica/"); err != nil {
		t.Fatal(err)
	}
	if err := a.GetObject(ctx, key, obj); !errors.Is(err, connection.ErrNotFound) {
		t.Fatalf("GetObject of a missing key: want ErrNotFound, got %v", err)
	}
	version, err := a.PutObject(ctx, key, obj, "")
	if err != nil || version == "" {
		t.Fatalf("PutObject in a versioned bucket: version %q err %v", version, err)
	}
	if err := a.GetObject(ctx, key, obj); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteObject(ctx, key, obj, version); err != nil {
		t.Fatal(err)
	}
	if err := a.GetFederationToken(ctx, key); err != nil {
		t.Fatal(err)
	}
	out, err := m.S3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Versions) != 0 || len(out.DeleteMarkers) != 0 {
		t.Fatalf("probe left %d versions and %d delete markers", len(out.Versions), len(out.DeleteMarkers))
	}
	// The provider's own identity cleans up a probe the key could not delete.
	version, _ = a.PutObject(ctx, key, obj, "")
	if err := a.DeleteProbe(ctx, obj, version); err != nil {
		t.Fatal(err)
	}
	if out, _ := m.S3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)}); len(out.Versions)+len(out.DeleteMarkers) != 0 {
		t.Fatal("DeleteProbe left a version or a delete marker")
	}
}

// TestProbeUnderObjectLock: in a bucket whose default retention keeps every version, the probe can be
// written (with a checksum, which such a bucket requires), its version cannot be deleted, and
// ProbeLocked says why (AWS and moto answer the delete with a plain AccessDenied).
func TestProbeUnderObjectLock(t *testing.T) {
	m := acctest.SharedMoto(t)
	ctx := context.Background()
	bucket := acctest.RandomName("lock")
	if _, err := m.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.S3.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String(bucket),
		ObjectLockConfiguration: &s3types.ObjectLockConfiguration{ObjectLockEnabled: s3types.ObjectLockEnabledEnabled,
			Rule: &s3types.ObjectLockRule{DefaultRetention: &s3types.DefaultRetention{Mode: s3types.ObjectLockRetentionModeCompliance, Days: aws.Int32(1)}}}}); err != nil {
		t.Fatal(err)
	}
	a := awsapi.New(settingsFor(m, "us-east-1")).AccessTester()
	key := connection.NewAccessKey{ID: m.AccessKeyID, Secret: m.SecretAccessKey}
	obj := connection.Object{Region: "us-east-1", Bucket: bucket, Key: connection.ProbeMarker + "0123456789abcdef"}
	version, err := a.PutObject(ctx, key, obj, "")
	if err != nil || version == "" {
		t.Fatalf("PutObject under Object Lock: version %q err %v", version, err)
	}
	if err := a.DeleteObject(ctx, key, obj, version); !errors.Is(err, connection.ErrAccessDenied) {
		t.Fatalf("deleting a retained version: want AccessDenied, got %v", err)
	}
	if locked, err := a.ProbeLocked(ctx, obj, version); err != nil || !locked {
		t.Fatalf("ProbeLocked = %v, %v; want true", locked, err)
	}
	plain := acctest.RandomName("nolock")
	if _, err := m.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(plain)}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(plain),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	o2 := connection.Object{Region: "us-east-1", Bucket: plain, Key: obj.Key}
	v2, _ := a.PutObject(ctx, key, o2, "")
	if locked, err := a.ProbeLocked(ctx, o2, v2); err != nil || locked {
		t.Fatalf("a bucket without Object Lock: ProbeLocked = %v, %v", locked, err)
	}
}
