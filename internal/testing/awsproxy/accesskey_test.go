package awsproxy_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/awsproxy"
)

// TestFaultMatchesAccessKey: a fault on one access key denies that key alone, and the log names the key
// of every call.
func TestFaultMatchesAccessKey(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.URL)
	admin := newClients(p.URL(), 1)
	fresh := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(p.URL()), UsePathStyle: true, RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIANEWKEY0000000001", "s", "")})
	rule := mustAdd(t, p, awsproxy.Fault{Service: "s3", Operation: "PutObject", AccessKeyID: "AKIANEW*",
		Kind: awsproxy.KindError, Status: 403, Code: "AccessDenied", Message: "Access Denied"})
	ctx := context.Background()
	put := func(c *s3.Client) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
		return err
	}
	_ = put(admin.s3) // the fake upstream's answer need not decode; only the fault matters
	if rule.Fired() != 0 {
		t.Fatal("the fault fired on another key")
	}
	if code := apiErrorCode(t, put(fresh)); code != "AccessDenied" {
		t.Fatalf("the new key's PutObject: code %q, want AccessDenied", code)
	}
	if rule.Fired() != 1 {
		t.Fatalf("fired %d times, want 1", rule.Fired())
	}
	log := p.Log()
	if len(log) != 2 || log[0].Op.AccessKeyID != "AKIATEST" || log[1].Op.AccessKeyID != "AKIANEWKEY0000000001" || !log[1].Fault {
		t.Fatalf("log does not name the signing keys: %+v", log)
	}
	if got := p.Counts()["s3:PutObject"]; got != 2 {
		t.Fatalf("counts are per operation whatever the key: %d", got)
	}
}

func TestAccessKeyIDOf(t *testing.T) {
	r := httptest.NewRequest("GET", "/b/k?X-Amz-Credential=AKIAPRESIGNED%2F20250101%2Fus-east-1%2Fs3%2Faws4_request", nil)
	if got := awsproxy.AccessKeyIDOf(r); got != "AKIAPRESIGNED" {
		t.Fatalf("presigned: %q", got)
	}
	r = httptest.NewRequest("GET", "/b", nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAHEADER/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x")
	if got := awsproxy.AccessKeyIDOf(r); got != "AKIAHEADER" {
		t.Fatalf("header: %q", got)
	}
	if got := awsproxy.AccessKeyIDOf(httptest.NewRequest("GET", "/", nil)); got != "" {
		t.Fatalf("unsigned: %q", got)
	}
}
