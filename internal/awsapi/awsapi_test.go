package awsapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ica-tf/terraform-provider-ica/internal/awsapi"
	"github.com/ica-tf/terraform-provider-ica/internal/connection"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

func TestMain(m *testing.M) { acctest.Main(m) }

func clientsFor(m *acctest.Moto, region string) *awsapi.Clients {
	return awsapi.New(awsapi.Settings{
		Region: region, AccessKey: m.AccessKeyID, SecretKey: m.SecretAccessKey,
		EndpointS3: m.Endpoint, EndpointIAM: m.Endpoint, EndpointSTS: m.Endpoint, S3UsePathStyle: true,
	})
}

func TestNewIsLazy(t *testing.T) {
	c := awsapi.New(awsapi.Settings{Profile: "no-such-profile-" + acctest.RandomName("p")})
	_, err := c.Config(context.Background())
	if err == nil || !strings.Contains(err.Error(), "AWS configuration") {
		t.Fatalf("the bad profile must fail on first use with a clear message, got %v", err)
	}
}

func TestDefaultRegion(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	c := awsapi.New(awsapi.Settings{AccessKey: "a", SecretKey: "b"})
	cfg, err := c.Config(context.Background())
	if err != nil || cfg.Region != awsapi.DefaultRegion {
		t.Fatalf("region %q err %v, want %s", cfg.Region, err, awsapi.DefaultRegion)
	}
}

func TestS3RegionRoutingAndCORS(t *testing.T) {
	m := acctest.SharedMoto(t)
	ctx := context.Background()
	eu := acctest.RandomName("eu")
	if _, err := m.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(eu),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	us := acctest.RandomName("us")
	if _, err := m.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(us)}); err != nil {
		t.Fatal(err)
	}
	// The provider's default region is neither: calls still go to each bucket's region.
	a := clientsFor(m, "ap-southeast-2").S3Adapter()
	for bucket, want := range map[string]string{eu: "eu-west-1", us: "us-east-1"} {
		got, err := a.BucketRegion(ctx, bucket)
		if err != nil || got != want {
			t.Fatalf("BucketRegion(%s) = %q, %v; want %s", bucket, got, err, want)
		}
	}
	if _, err := a.BucketRegion(ctx, acctest.RandomName("missing")); !errors.Is(err, connection.ErrNotFound) {
		t.Fatalf("missing bucket: want ErrNotFound, got %v", err)
	}

	rules, err := a.BucketCORS(ctx, "eu-west-1", eu)
	if err != nil || rules != nil {
		t.Fatalf("bucket without CORS: %v %v", rules, err)
	}
	age := int32(3000)
	want := []policy.CORSRule{
		{ID: "website", AllowedHeaders: []string{"Authorization"}, AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://example.com"}, MaxAgeSeconds: &age},
		{AllowedMethods: []string{"PUT"}, AllowedOrigins: []string{"*"}},
		policy.ICARule("ica-tf-x", nil),
	}
	if err := a.PutBucketCORS(ctx, "eu-west-1", eu, want); err != nil {
		t.Fatal(err)
	}
	got, err := a.BucketCORS(ctx, "eu-west-1", eu)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		// S3 returns absent lists as empty; compare by content and ID.
		if got[i].ID != want[i].ID || !policy.SameContent(got[i], want[i]) {
			t.Fatalf("rule %d not read back as written:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if err := a.PutBucketCORS(ctx, "eu-west-1", eu, nil); err != nil {
		t.Fatal(err)
	}
	if rules, err := a.BucketCORS(ctx, "eu-west-1", eu); err != nil || rules != nil {
		t.Fatalf("an empty rule list must delete the configuration: %v %v", rules, err)
	}
	if _, err := m.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(us),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}); err != nil {
		t.Fatal(err)
	}
	if v, err := a.BucketVersioned(ctx, "us-east-1", us); err != nil || !v {
		t.Fatalf("a suspended bucket counts as versioned: %v %v", v, err)
	}
	if v, err := a.BucketVersioned(ctx, "eu-west-1", eu); err != nil || v {
		t.Fatalf("a never-versioned bucket: %v %v", v, err)
	}
}

func TestIAMErrorsAndDocuments(t *testing.T) {
	m := acctest.SharedMoto(t)
	ctx := context.Background()
	a := clientsFor(m, "").IAMAdapter()
	name := acctest.RandomName("u")
	if _, err := a.GetUser(ctx, name); !errors.Is(err, connection.ErrNotFound) {
		t.Fatalf("missing user: want ErrNotFound, got %v", err)
	}
	u, err := a.CreateUser(ctx, name, "/ica/", map[string]string{connection.TagManagedBy: connection.ManagedByValue})
	if err != nil || !strings.HasSuffix(u.ARN, ":user/ica/"+name) {
		t.Fatalf("CreateUser: %+v %v", u, err)
	}
	if _, err := a.CreateUser(ctx, name, "/ica/", nil); !errors.Is(err, connection.ErrAlreadyExists) {
		t.Fatalf("duplicate user: want ErrAlreadyExists, got %v", err)
	}
	got, err := a.GetUser(ctx, name)
	if err != nil || got.Tags[connection.TagManagedBy] != connection.ManagedByValue || got.Path != "/ica/" {
		t.Fatalf("GetUser: %+v %v", got, err)
	}
	doc := policy.Build(policy.Options{Bucket: "b", Prefix: "x/"}).JSON()
	p, err := a.CreatePolicy(ctx, name, "/ica/", doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.GetPolicyVersion(ctx, p.ARN, p.DefaultVersionID)
	if err != nil || !v.IsDefault {
		t.Fatalf("GetPolicyVersion: %+v %v", v, err)
	}
	if eq, err := policy.Equivalent(v.Document, doc); err != nil || !eq {
		t.Fatalf("document read back differs (%v): %s", err, v.Document)
	}
	account, err := a.AccountID(ctx)
	if err != nil || !strings.Contains(p.ARN, ":"+account+":") {
		t.Fatalf("AccountID %q for policy %s: %v", account, p.ARN, err)
	}
	if _, err := a.GetPolicy(ctx, "arn:aws:iam::"+account+":policy/none-"+name); !errors.Is(err, connection.ErrNotFound) {
		t.Fatalf("missing policy: want ErrNotFound, got %v", err)
	}
	if _, err := a.ListAccessKeys(ctx, "nobody-"+name); !errors.Is(err, connection.ErrNotFound) {
		t.Fatalf("keys of a missing user: want ErrNotFound, got %v", err)
	}
	// AWS (and moto) refuse to delete a user with an attached policy: DeleteConflict.
	if err := a.AttachUserPolicy(ctx, name, p.ARN); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteUser(ctx, name); !errors.Is(err, connection.ErrDeleteConflict) {
		t.Fatalf("user with an attached policy: want ErrDeleteConflict, got %v", err)
	}
	_, _ = m.IAM.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(p.ARN)})
	_, _ = m.IAM.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: aws.String(p.ARN)})
	_, _ = m.IAM.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name)})
}

func TestProbeKey(t *testing.T) {
	m := acctest.NewMoto(t, acctest.MotoOptions{EnforceIAM: true})
	ctx := context.Background()
	c := clientsFor(m, "")
	name := acctest.RandomName("u")
	if _, err := c.IAMAdapter().CreateUser(ctx, name, "/", nil); err != nil {
		t.Fatal(err)
	}
	k, err := c.IAMAdapter().CreateAccessKey(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.KeyProber().ProbeKey(ctx, k.ID, k.Secret); err != nil {
		t.Fatalf("a new key of an existing user must work: %v", err)
	}
	err = c.KeyProber().ProbeKey(ctx, k.ID, k.Secret+"x")
	if err == nil {
		t.Fatal("a wrong secret must fail the probe")
	}
	if strings.Contains(err.Error(), k.Secret) {
		t.Fatal("the probe error contains the secret")
	}
}
