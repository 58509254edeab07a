package awsapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
)

var _ connection.BucketPolicies = S3{}

func (a S3) BucketPolicy(ctx context.Context, region, bucket string) (string, error) {
	cl, err := a.c.S3(ctx, region)
	if err != nil {
		return "", err
	}
	out, err := cl.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
	if errorCode(err) == "NoSuchBucketPolicy" {
		return "", nil
	}
	if err != nil {
		return "", mapAccessErr(err)
	}
	return aws.ToString(out.Policy), nil
}

func (a S3) PutBucketPolicy(ctx context.Context, region, bucket, document string) error {
	cl, err := a.c.S3(ctx, region)
	if err != nil {
		return err
	}
	_, err = cl.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(document)})
	if errorCode(err) == "MalformedPolicy" && strings.Contains(strings.ToLower(err.Error()), "invalid principal") {
		return fmt.Errorf("%w (%w)", err, connection.ErrInvalidPrincipal)
	}
	return mapErr(err)
}

func (a S3) DeleteBucketPolicy(ctx context.Context, region, bucket string) error {
	cl, err := a.c.S3(ctx, region)
	if err != nil {
		return err
	}
	_, err = cl.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(bucket)})
	if errorCode(err) == "NoSuchBucketPolicy" {
		return nil
	}
	return mapErr(err)
}
