package awsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

// S3 implements connection.S3 with every call sent to the bucket's own region, which the caller passes
// (the converger's bucket cache is the one place that remembers it).
type S3 struct{ c *Clients }

var _ connection.S3 = S3{}

// S3Adapter returns the connection.S3 implementation.
func (c *Clients) S3Adapter() S3 { return S3{c} }

// BucketRegion asks S3 for the bucket's region (GetBucketLocation works from any region; an empty
// constraint means us-east-1 and the legacy "EU" means eu-west-1).
func (a S3) BucketRegion(ctx context.Context, bucket string) (string, error) {
	cl, err := a.c.S3(ctx, "")
	if err != nil {
		return "", err
	}
	out, err := cl.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
	if err != nil {
		return "", mapErr(err)
	}
	switch region := string(out.LocationConstraint); region {
	case "":
		return "us-east-1", nil
	case "EU":
		return "eu-west-1", nil
	default:
		return region, nil
	}
}

func (a S3) BucketVersioned(ctx context.Context, region, bucket string) (bool, error) {
	cl, err := a.c.S3(ctx, region)
	if err != nil {
		return false, err
	}
	out, err := cl.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil {
		return false, mapErr(err)
	}
	return out.Status == s3types.BucketVersioningStatusEnabled || out.Status == s3types.BucketVersioningStatusSuspended, nil
}

func (a S3) BucketCORS(ctx context.Context, region, bucket string) ([]policy.CORSRule, error) {
	cl, err := a.c.S3(ctx, region)
	if err != nil {
		return nil, err
	}
	out, err := cl.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String(bucket)})
	if err != nil {
		if errorCode(err) == "NoSuchCORSConfiguration" {
			return nil, nil
		}
		return nil, mapErr(err)
	}
	rules := make([]policy.CORSRule, 0, len(out.CORSRules))
	for _, r := range out.CORSRules {
		rules = append(rules, policy.CORSRule{
			ID:             aws.ToString(r.ID),
			AllowedHeaders: r.AllowedHeaders,
			AllowedMethods: r.AllowedMethods,
			AllowedOrigins: r.AllowedOrigins,
			ExposeHeaders:  r.ExposeHeaders,
			MaxAgeSeconds:  r.MaxAgeSeconds,
		})
	}
	return rules, nil
}

func (a S3) PutBucketCORS(ctx context.Context, region, bucket string, rules []policy.CORSRule) error {
	cl, err := a.c.S3(ctx, region)
	if err != nil {
		return err
	}
	if len(rules) == 0 {
		_, err := cl.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String(bucket)})
		return mapErr(err)
	}
	in := &s3.PutBucketCorsInput{Bucket: aws.String(bucket), CORSConfiguration: &s3types.CORSConfiguration{}}
	for _, r := range rules {
		rule := s3types.CORSRule{
			AllowedHeaders: r.AllowedHeaders,
			AllowedMethods: r.AllowedMethods,
			AllowedOrigins: r.AllowedOrigins,
			ExposeHeaders:  r.ExposeHeaders,
			MaxAgeSeconds:  r.MaxAgeSeconds,
		}
		if r.ID != "" {
			rule.ID = aws.String(r.ID)
		}
		in.CORSConfiguration.CORSRules = append(in.CORSConfiguration.CORSRules, rule)
	}
	_, err = cl.PutBucketCors(ctx, in)
	return mapErr(err)
}
