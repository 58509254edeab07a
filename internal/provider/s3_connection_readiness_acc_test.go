package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ica-tf/terraform-provider-ica/internal/naming"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// kmsEncryptBucket makes a customer managed key on moto and sets it as the bucket's default encryption;
// it returns the key ARN.
func (env *connEnv) kmsEncryptBucket(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	cl := kms.New(kms.Options{Region: env.moto.Region, BaseEndpoint: aws.String(env.moto.Endpoint), Credentials: env.moto.S3.Options().Credentials})
	key, err := cl.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("ica-tf readiness test")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.moto.S3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(env.bucket),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			// The key id, as the console writes it: the preflight resolves it to the ARN with DescribeKey.
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: key.KeyMetadata.KeyId},
		}}}}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(key.KeyMetadata.Arn)
}

// TestAccS3Connection_preflightCustomerKMSKey: a bucket encrypted by default with a customer key fails
// at plan without kms_key_arn, naming the key and the attribute, with nothing created in AWS or ICA;
// with kms_key_arn set to that key the connection is created and plans clean.
func TestAccS3Connection_preflightCustomerKMSKey(t *testing.T) {
	env := newConnEnv(t)
	keyARN := env.kmsEncryptBucket(t)
	user := acctest.RandomName("u")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{user}, []string{user + "-policy"}),
		Steps: []resource.TestStep{
			{
				Config:      env.config(fmt.Sprintf("  iam_user_name = %q\n  iam_policy_name = \"%s-policy\"\n", user, user)),
				ExpectError: regexp.MustCompile(`(?s)kms_key_arn.*customer managed KMS key.*` + regexp.QuoteMeta(keyARN) + `.*Set kms_key_arn`),
			},
			{
				// The failed plan made nothing: no user, no credential, no CORS rule of ours.
				Config:   env.config(fmt.Sprintf("  iam_user_name = %q\n  iam_policy_name = \"%s-policy\"\n  kms_key_arn = %q\n", user, user, keyARN)),
				PlanOnly: true, ExpectNonEmptyPlan: true,
				Check: func(*terraform.State) error {
					if env.userExists(t, user) || len(env.emu.Credentials(t)) != 0 {
						return fmt.Errorf("the failed plan created the IAM user or an ICA credential")
					}
					return env.checkCORS(t)
				},
			},
			{
				Config: env.config(fmt.Sprintf("  iam_user_name = %q\n  iam_policy_name = \"%s-policy\"\n  kms_key_arn = %q\n", user, user, keyARN)),
				Check:  env.checkConverged(t, connRes),
			},
		},
	})
}

// TestAccS3PolicyDocumentDataSource_bucketPolicy: bucket_policy_json is the statement the resource
// merges, with the Sid of the default user name; null without a role.
func TestAccS3PolicyDocumentDataSource_bucketPolicy(t *testing.T) {
	role := "arn:aws:iam::111122223333:role/ica-copy-move"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: `
provider "ica" {}
data "ica_s3_policy_document" "p" {
  bucket                 = "my-bucket"
  prefix                 = "ica"
  versioned              = true
  cross_account_role_arn = "` + role + `"
}
data "ica_s3_policy_document" "none" {
  bucket = "my-bucket"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.ica_s3_policy_document.p", tfjsonpath.New("bucket_policy_json"),
						knownvalue.StringExact(policy.CopyMoveStatement(policy.CopyMoveOptions{
							Sid: policy.CopyMoveSid(naming.DefaultIAMUserName("my-bucket", "ica/")), RoleARN: role,
							Bucket: "my-bucket", Prefix: "ica/", Versioned: true,
						}).DocumentJSON())),
					statecheck.ExpectKnownValue("data.ica_s3_policy_document.none", tfjsonpath.New("bucket_policy_json"), knownvalue.Null()),
				},
			},
			{
				Config: `
provider "ica" {}
data "ica_s3_policy_document" "p" {
  bucket                 = "my-bucket"
  cross_account_role_arn = "arn:aws:iam::111122223333:user/someone"
}
`,
				ExpectError: regexp.MustCompile(`(?s)cross_account_role_arn.*is not an IAM role ARN`),
			},
			{
				Config: `
provider "ica" {}
data "ica_s3_policy_document" "p" {
  bucket      = "my-bucket"
  kms_key_arn = "arn:aws:kms:us-east-1:111122223333:alias/ica"
}
`,
				ExpectError: regexp.MustCompile(`(?s)kms_key_arn.*is an alias ARN.*does not resolve aliases`),
			},
		},
	})
}
