package awsapi

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestStallKeyIsOneS3EndpointForEveryBucket(t *testing.T) {
	a := stallKey(&call{service: "S3", endpoint: "https://lab-a.s3.eu-west-1.amazonaws.com", bucket: "lab-a"})
	b := stallKey(&call{service: "S3", endpoint: "https://lab-b.s3.eu-west-1.amazonaws.com", bucket: "lab-b"})
	if a != b || a != "S3 https://s3.eu-west-1.amazonaws.com" {
		t.Fatalf("keys %q and %q, want both S3 https://s3.eu-west-1.amazonaws.com", a, b)
	}
	if got := stallKey(&call{service: "S3", endpoint: "http://127.0.0.1:5000", bucket: "lab-a"}); got != "S3 http://127.0.0.1:5000" {
		t.Fatalf("path-style key %q", got)
	}
	if got := stallKey(&call{service: "IAM", endpoint: "https://iam.amazonaws.com"}); got != "IAM https://iam.amazonaws.com" {
		t.Fatalf("IAM key %q", got)
	}
}

func TestBucketOf(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{&s3.GetBucketLocationInput{Bucket: aws.String("lab")}, "lab"},
		{&s3.GetBucketLocationInput{}, ""},
		{&iam.GetUserInput{UserName: aws.String("u")}, ""},
		{(*s3.GetBucketCorsInput)(nil), ""},
		{nil, ""},
		{"not a struct", ""},
	} {
		if got := bucketOf(tc.in); got != tc.want {
			t.Errorf("bucketOf(%T) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
