package awsapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
)

// Access implements connection.AccessTester (calls signed with the key under test) and
// connection.ProbeCleaner (the provider's own identity).
type Access struct{ c *Clients }

var (
	_ connection.AccessTester = Access{}
	_ connection.ProbeCleaner = Access{}
)

// AccessTester returns the connection.AccessTester implementation.
func (c *Clients) AccessTester() Access { return Access{c} }

// keyS3 is an S3 client for the bucket's region signed with key. The SDK's retryer handles throttling
// and server errors as for every call; denials, which it does not retry, are the self-test's to retry.
func (a Access) keyS3(ctx context.Context, key connection.NewAccessKey, region string) (*s3.Client, error) {
	cl, err := a.c.S3(ctx, region)
	if err != nil {
		return nil, err
	}
	return s3.New(cl.Options(), func(o *s3.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(key.ID, key.Secret, "")
	}), nil
}

// mapAccessErr wraps a refusal as connection.ErrAccessDenied and a missing object as
// connection.ErrNotFound, and the rest as mapErr does.
func mapAccessErr(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case isDenied(err):
		return fmt.Errorf("%w (%w)", err, connection.ErrAccessDenied)
	case errorCode(err) == "NoSuchKey":
		return fmt.Errorf("%w (%w)", err, connection.ErrNotFound)
	}
	return mapErr(err)
}

func (a Access) ListObjects(ctx context.Context, key connection.NewAccessKey, region, bucket, prefix string) error {
	cl, err := a.keyS3(ctx, key, region)
	if err != nil {
		return err
	}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	_, err = cl.ListObjectsV2(ctx, in)
	return mapAccessErr(err)
}

func (a Access) PutObject(ctx context.Context, key connection.NewAccessKey, o connection.Object, kmsKeyARN string) (string, error) {
	cl, err := a.keyS3(ctx, key, o.Region)
	if err != nil {
		return "", err
	}
	// A checksum, because a bucket with Object Lock retention refuses uploads without one.
	in := &s3.PutObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key), Body: bytes.NewReader(nil),
		ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32}
	if kmsKeyARN != "" {
		in.ServerSideEncryption = s3types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = aws.String(kmsKeyARN)
	}
	out, err := cl.PutObject(ctx, in)
	if err != nil {
		return "", mapAccessErr(err)
	}
	return aws.ToString(out.VersionId), nil
}

func (a Access) GetObject(ctx context.Context, key connection.NewAccessKey, o connection.Object) error {
	cl, err := a.keyS3(ctx, key, o.Region)
	if err != nil {
		return err
	}
	out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key)})
	if err != nil {
		return mapAccessErr(err)
	}
	_, _ = io.Copy(io.Discard, out.Body)
	return out.Body.Close()
}

func (a Access) DeleteObject(ctx context.Context, key connection.NewAccessKey, o connection.Object, versionID string) error {
	cl, err := a.keyS3(ctx, key, o.Region)
	if err != nil {
		return err
	}
	return mapAccessErr(deleteObject(ctx, cl, o, versionID))
}

func deleteObject(ctx context.Context, cl *s3.Client, o connection.Object, versionID string) error {
	in := &s3.DeleteObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key)}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	}
	_, err := cl.DeleteObject(ctx, in)
	return err
}

func (a Access) GetFederationToken(ctx context.Context, key connection.NewAccessKey) error {
	cfg, err := a.c.Config(ctx)
	if err != nil {
		return err
	}
	cl := sts.NewFromConfig(cfg, a.c.stsOptions, func(o *sts.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(key.ID, key.Secret, "")
	})
	_, err = cl.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("ica-tf-probe"), DurationSeconds: aws.Int32(900)})
	return mapAccessErr(err)
}

// DeleteProbe removes a probe object (its version, when given) with the provider's own identity.
func (a Access) DeleteProbe(ctx context.Context, o connection.Object, versionID string) error {
	cl, err := a.c.S3(ctx, o.Region)
	if err != nil {
		return err
	}
	return mapErr(deleteObject(ctx, cl, o, versionID))
}

// ProbeLocked reports whether Object Lock keeps the probe's version: retention until a later date, or a
// legal hold (HeadObject with the provider's own identity, which shows them to holders of
// s3:GetObjectRetention and s3:GetObjectLegalHold).
func (a Access) ProbeLocked(ctx context.Context, o connection.Object, versionID string) (bool, error) {
	cl, err := a.c.S3(ctx, o.Region)
	if err != nil {
		return false, err
	}
	out, err := cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key), VersionId: aws.String(versionID)})
	if err != nil {
		return false, mapErr(err)
	}
	retained := out.ObjectLockMode != "" && out.ObjectLockRetainUntilDate != nil && out.ObjectLockRetainUntilDate.After(time.Now())
	return retained || out.ObjectLockLegalHoldStatus == s3types.ObjectLockLegalHoldStatusOn, nil
}
