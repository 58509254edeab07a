package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
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

const (
	testCopyRole      = "arn:aws:iam::111122223333:role/ica-copy-move"
	foreignStatement  = `{"Sid":"WebsiteRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/public/*"}`
	foreignStatement2 = `{"Sid":"AddedLater","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::%s/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`
)

func (env *connEnv) putBucketPolicy(t *testing.T, statements ...string) {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
	if _, err := env.moto.S3.PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{Bucket: aws.String(env.bucket), Policy: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
}

// bucketPolicy returns the bucket's policy parsed; empty when the bucket has none.
func (env *connEnv) bucketPolicy(t *testing.T) policy.BucketPolicy {
	t.Helper()
	out, err := env.moto.S3.GetBucketPolicy(context.Background(), &s3.GetBucketPolicyInput{Bucket: aws.String(env.bucket)})
	doc := ""
	if err == nil {
		doc = aws.ToString(out.Policy)
	} else if !strings.Contains(err.Error(), "NoSuchBucketPolicy") {
		t.Fatal(err)
	}
	p, err := policy.ParseBucketPolicy(doc)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkStatements: the foreign statements are there, unchanged in meaning, and ours (for each prefix,
// with its Sid from state) means the copy/move grant.
func (env *connEnv) checkStatements(t *testing.T, foreign []string, ours map[string]string) error {
	p := env.bucketPolicy(t)
	if len(p.Statements) != len(foreign)+len(ours) {
		return fmt.Errorf("bucket policy has %d statements, want %d foreign + %d ours: %s", len(p.Statements), len(foreign), len(ours), p.JSON())
	}
	for _, f := range foreign {
		var want policy.BucketPolicy
		want, _ = policy.ParseBucketPolicy(`{"Statement":[` + f + `]}`)
		sid := want.SidAt(0)
		i := p.Find(sid)
		if i < 0 {
			return fmt.Errorf("foreign statement %s is gone: %s", sid, p.JSON())
		}
		if eq, err := policy.Equivalent(`{"Version":"2012-10-17","Statement":[`+string(p.Statements[i])+`]}`, `{"Version":"2012-10-17","Statement":[`+f+`]}`); err != nil || !eq {
			return fmt.Errorf("foreign statement %s changed: %s", sid, p.Statements[i])
		}
	}
	for sid, prefix := range ours {
		i := p.Find(sid)
		want := policy.CopyMoveStatement(policy.CopyMoveOptions{Sid: sid, RoleARN: testCopyRole, Bucket: env.bucket, Prefix: prefix})
		if i < 0 || !policy.StatementMatches(p.Statements[i], want) {
			return fmt.Errorf("our statement %s is missing or wrong: %s", sid, p.JSON())
		}
	}
	return nil
}

// TestAccS3Connection_crossAccountBucketPolicy: our statement goes next to a foreign one and survives
// updates; a foreign statement added later is no drift; an edit of ours is drift, repaired; destroy
// removes ours alone.
func TestAccS3Connection_crossAccountBucketPolicy(t *testing.T) {
	env := newConnEnv(t)
	foreign := fmt.Sprintf(foreignStatement, env.bucket)
	later := fmt.Sprintf(foreignStatement2, env.bucket)
	env.putBucketPolicy(t, foreign)
	user := acctest.RandomName("u")
	sid := policy.CopyMoveSid(user)
	cfg := func(prefix, team string) string {
		return env.config(fmt.Sprintf("  iam_user_name = %q\n  prefix = %q\n  tags = { team = %q }\n  cross_account_role_arn = %q\n", user, prefix, team, testCopyRole))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy: func(*terraform.State) error {
			return env.checkStatements(t, []string{foreign, later}, nil)
		},
		Steps: []resource.TestStep{
			{
				Config: cfg("ica", "a"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connRes, tfjsonpath.New("bucket_policy_statement_id"), knownvalue.StringExact(sid)),
				},
				Check: func(*terraform.State) error {
					return env.checkStatements(t, []string{foreign}, map[string]string{sid: "ica/"})
				},
			},
			{
				// Updates keep it: a tag change, then the folder (the statement follows).
				Config: cfg("ica", "b"),
				Check: func(*terraform.State) error {
					return env.checkStatements(t, []string{foreign}, map[string]string{sid: "ica/"})
				},
			},
			{
				Config: cfg("ica/runs", "b"),
				Check: func(*terraform.State) error {
					// Someone adds a statement of their own: not drift (checked by the next step's empty plan).
					env.putBucketPolicy(t, append(statementsOf(env.bucketPolicy(t)), later)...)
					return env.checkStatements(t, []string{foreign, later}, map[string]string{sid: "ica/runs/"})
				},
			},
			{
				Config:           cfg("ica/runs", "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Our statement is edited by hand: refresh shows it, apply repairs it and nothing else.
				PreConfig: func() {
					p := env.bucketPolicy(t)
					i := p.Find(sid)
					p.Statements[i] = json.RawMessage(strings.Replace(string(p.Statements[i]), `"s3:DeleteObject",`, "", 1))
					env.putBucketPolicy(t, statementsOf(p)...)
				},
				Config: cfg("ica/runs", "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(connRes, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					return env.checkStatements(t, []string{foreign, later}, map[string]string{sid: "ica/runs/"})
				},
			},
		},
	})
}

func statementsOf(p policy.BucketPolicy) []string {
	out := make([]string, len(p.Statements))
	for i, s := range p.Statements {
		out[i] = string(s)
	}
	return out
}

// TestAccS3Connection_crossAccountFiveOnOneBucket: five connections merge their statements into one
// bucket policy in one apply (no lost update), and destroy deletes the policy they alone made.
func TestAccS3Connection_crossAccountFiveOnOneBucket(t *testing.T) {
	env := newConnEnv(t)
	base := acctest.RandomName("f")
	ours := map[string]string{}
	for _, p := range []string{"a", "b", "c", "d", "e"} {
		ours[policy.CopyMoveSid(base+"-"+p)] = p + "/"
	}
	cfg := env.providerConfig() + fmt.Sprintf(`
resource "ica_s3_connection" "many" {
  for_each               = toset(["a", "b", "c", "d", "e"])
  bucket                 = %q
  prefix                 = each.key
  iam_user_name          = "%s-${each.key}"
  cross_account_role_arn = %q
}
`, env.bucket, base, testCopyRole)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigStateChecks: []statecheck.StateCheck{stateFunc(func() error { return env.checkStatements(t, nil, ours) })}},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
			{
				Config: env.providerConfig(),
				ConfigStateChecks: []statecheck.StateCheck{stateFunc(func() error {
					if p := env.bucketPolicy(t); !p.Empty() {
						return fmt.Errorf("the bucket policy held only our statements and must be gone: %s", p.JSON())
					}
					return nil
				})},
			},
		},
	})
}

// TestAccS3Connection_importHandMadeWithBucketPolicy: a hand-made connection whose bucket policy has a
// copy/move statement written from ICA's documentation imports with it, and plans clean.
func TestAccS3Connection_importHandMadeWithBucketPolicy(t *testing.T) {
	env := newConnEnv(t)
	h := makeHandMade(t, env)
	foreign := fmt.Sprintf(foreignStatement, env.bucket)
	hand := `{"Sid":"IcaCrossAccountCopy","Effect":"Allow","Principal":{"AWS":"` + testCopyRole + `"},` +
		`"Action":["s3:GetObject","s3:PutObject","s3:DeleteObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],` +
		`"Resource":"arn:aws:s3:::` + env.bucket + `/runs/*"}`
	env.putBucketPolicy(t, foreign, hand)
	cfg := env.config(fmt.Sprintf(`
  prefix                 = "runs"
  iam_user_name          = %q
  iam_policy_name        = %q
  credential_name        = %q
  cross_account_role_arn = %q
`, h.user, h.policyName, h.credName, testCopyRole))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy: func(*terraform.State) error {
			return env.checkStatements(t, []string{foreign}, nil)
		},
		Steps: []resource.TestStep{
			{
				Config: cfg, ResourceName: connRes, ImportState: true, ImportStatePersist: true,
				ImportStateId: env.bucket + ":" + h.user + ":" + h.credName,
				ImportStateCheck: func(s []*terraform.InstanceState) error {
					a := s[0].Attributes
					if a["bucket_policy_statement_id"] != "IcaCrossAccountCopy" || a["cross_account_role_arn"] != testCopyRole {
						return fmt.Errorf("imported statement %q role %q", a["bucket_policy_statement_id"], a["cross_account_role_arn"])
					}
					return nil
				},
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(*terraform.State) error {
					return env.checkStatements(t, []string{foreign}, map[string]string{"IcaCrossAccountCopy": "runs/"})
				},
			},
		},
	})
}

// stateFunc is a state check that looks at AWS, not the state (usable with for_each, unlike Check).
type stateFunc func() error

func (f stateFunc) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}
