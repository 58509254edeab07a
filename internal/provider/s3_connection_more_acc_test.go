package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/naming"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// handMade is a connection made by hand with ICA's documented CLI steps: a CORS rule without ID, the
// policy illumina-ica-admin-policy, the user illumina_ica_admin (both with a unique suffix here), the
// attachment, an access key, and the ICA credential holding it.
type handMade struct {
	user, policyName, policyARN, credName, credID, keyID string
}

func makeHandMade(t *testing.T, env *connEnv) handMade {
	t.Helper()
	ctx := context.Background()
	suffix := acctest.RandomName("h")
	h := handMade{user: "illumina_ica_admin_" + suffix, policyName: "illumina-ica-admin-policy-" + suffix, credName: "hand-made-" + suffix}
	rule := policy.ICARule("", nil)
	env.putCORS(t, []s3types.CORSRule{connForeignRule, {
		AllowedHeaders: rule.AllowedHeaders, AllowedMethods: rule.AllowedMethods, AllowedOrigins: rule.AllowedOrigins, ExposeHeaders: rule.ExposeHeaders,
	}})
	// The help page's policy text, as a person would paste it (folder "runs").
	doc := fmt.Sprintf(`{"Version": "2012-10-17", "Statement": [
	  {"Effect": "Allow", "Action": ["s3:PutBucketNotification", "s3:ListBucket", "s3:GetBucketNotification", "s3:GetBucketLocation"], "Resource": "arn:aws:s3:::%[1]s"},
	  {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:RestoreObject", "s3:DeleteObject"], "Resource": "arn:aws:s3:::%[1]s/runs/*"},
	  {"Effect": "Allow", "Action": ["sts:GetFederationToken"], "Resource": ["*"]}]}`, env.bucket)
	p, err := env.iam().CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(h.policyName), PolicyDocument: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
	h.policyARN = aws.ToString(p.Policy.Arn)
	if _, err := env.iam().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(h.user)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.iam().AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(h.user), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	k, err := env.iam().CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(h.user)})
	if err != nil {
		t.Fatal(err)
	}
	h.keyID = aws.ToString(k.AccessKey.AccessKeyId)
	client, err := ica.New(ica.Config{BaseURL: env.emu.URL, APIKey: env.emu.APIKey})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := client.CreateStorageCredential(ctx, ica.CreateStorageCredential{Name: h.credName, Type: ica.CredentialTypeAWSUser,
		AWSCredentials: &ica.AWSCredentials{AccessKeyID: h.keyID, SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}})
	if err != nil {
		t.Fatal(err)
	}
	h.credID = cred.ID
	return h
}

// testImportHandMade imports a hand-made connection (credential by name or UUID); a matching
// configuration then plans no changes, and destroy removes the hand-made IAM objects and rule.
func testImportHandMade(t *testing.T, byUUID bool) {
	env := newConnEnv(t)
	h := makeHandMade(t, env)
	ref := h.credName
	if byUUID {
		ref = h.credID
	}
	cfg := env.config(fmt.Sprintf(`
  prefix          = "runs"
  iam_user_name   = %q
  iam_policy_name = %q
  credential_name = %q
`, h.user, h.policyName, h.credName))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{h.user}, []string{h.policyName}),
		Steps: []resource.TestStep{
			{
				Config:             cfg,
				ResourceName:       connRes,
				ImportState:        true,
				ImportStateId:      env.bucket + ":" + h.user + ":" + ref,
				ImportStatePersist: true,
				ImportStateCheck: func(s []*terraform.InstanceState) error {
					a := s[0].Attributes
					want := map[string]string{
						"prefix": "runs/", "iam_policy_arn": h.policyARN, "credential_id": h.credID, "id": h.credID,
						"access_key_id": h.keyID, "cors_rule_id": "", "manage_cors": "true",
						"credential_name": h.credName, "iam_path": "/", "iam_user_name": h.user,
					}
					for key, v := range want {
						if a[key] != v {
							return fmt.Errorf("%s = %q, want %q", key, a[key], v)
						}
					}
					return nil
				},
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            env.checkConverged(t, connRes, ""),
			},
		},
	})
}

func TestAccS3Connection_importHandMadeByName(t *testing.T) { testImportHandMade(t, false) }

func TestAccS3Connection_importHandMadeByUUID(t *testing.T) { testImportHandMade(t, true) }

// TestAccS3Connection_importErrors: a malformed ID and missing objects are clear errors.
func TestAccS3Connection_importErrors(t *testing.T) {
	env := newConnEnv(t)
	cfg := env.config("  prefix = \"x\"")
	var steps []resource.TestStep
	for id, want := range map[string]string{
		"just-a-bucket":                       `BUCKET:IAM_USER_NAME:CREDENTIAL`,
		env.bucket + ":nobody-here:cred":      `IAM user "nobody-here" does not exist`,
		acctest.RandomName("nob") + ":u:cred": `does not exist`,
	} {
		steps = append(steps, resource.TestStep{
			Config: cfg, ResourceName: connRes, ImportState: true, ImportStateId: id,
			ExpectError: regexp.MustCompile(`(?s)` + strings.ReplaceAll(regexp.QuoteMeta(want), " ", `\s+`)),
		})
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: acctest.ProviderFactories(), Steps: steps})
}

// TestAccS3Connection_fiveOnOneBucket: five connections on one bucket (for_each over prefixes) in one
// apply all keep their own CORS rule, and destroy leaves only the foreign rule.
func TestAccS3Connection_fiveOnOneBucket(t *testing.T) {
	env := newConnEnv(t)
	base := acctest.RandomName("f")
	prefixes := []string{"a", "b", "c", "d", "e"}
	var users, policies, ruleIDs []string
	for _, p := range prefixes {
		users = append(users, base+"-"+p)
		policies = append(policies, naming.DefaultIAMPolicyName(env.bucket, p+"/"))
		ruleIDs = append(ruleIDs, "ica-tf-"+base+"-"+p)
	}
	cfg := env.providerConfig() + fmt.Sprintf(`
resource "ica_s3_connection" "many" {
  for_each      = toset(["a", "b", "c", "d", "e"])
  bucket        = %q
  prefix        = each.key
  iam_user_name = "%s-${each.key}"
}
`, env.bucket, base)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:            cfg,
				ConfigStateChecks: []statecheck.StateCheck{convergedAll{t: t, env: env, want: 5, ruleIDs: ruleIDs}},
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Destroy all five in one apply: only the foreign rule stays, no user remains.
				Config: env.providerConfig(),
				Check:  env.checkDestroyed(t, users, policies),
			},
		},
	})
}

// TestAccS3Connection_badInputs: mistakes fail at plan time, before anything is created.
func TestAccS3Connection_badInputs(t *testing.T) {
	env := newConnEnv(t)
	cases := []struct {
		body string
		want string
	}{
		{`prefix = "/ica"`, `prefix`},
		{`prefix = "a/../b"`, `prefix`},
		{`prefix = "./x"`, `prefix`},
		{`ica_region = "Germany"`, `is in us-east-1 but ICA region "Germany" needs eu-central-1`},
		{`ica_region = "Atlantis"`, `Atlantis`},
		{`kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/abc"`, `eu-west-1 but the bucket is in us-east-1`},
		{`kms_key_arn = "not-an-arn"`, `not a KMS key ARN`},
		{`iam_user_name = "has space"`, `iam_user_name`},
		{`credential_name = "no:colons"`, `credential_name`},
		{`tags = { "ica-tf:managed-by" = "me" }`, `reserved`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      env.config("  " + c.body),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)` + strings.ReplaceAll(regexp.QuoteMeta(c.want), " ", `\s+`)),
		})
	}
	missing := acctest.RandomName("missing")
	steps = append(steps, resource.TestStep{
		// A bucket that does not exist: a warning at plan, an error at apply before anything is made.
		Config:      env.providerConfig() + fmt.Sprintf("resource \"ica_s3_connection\" \"test\" {\n  bucket = %q\n  prefix = \"x\"\n}\n", missing),
		ExpectError: regexp.MustCompile(`(?s)does\s+not\s+exist`),
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps:                    steps,
		CheckDestroy: func(*terraform.State) error {
			if n := len(env.emu.Credentials(t)); n != 0 {
				return fmt.Errorf("a failed plan or apply created %d ICA credentials", n)
			}
			return env.checkCORS(t)
		},
	})
}

// TestAccS3Connection_failureThenReapply: ICA fails the credential create; the apply fails naming the
// step, and the next apply converges with no orphans (one user, one key, one policy, one credential).
func TestAccS3Connection_failureThenReapply(t *testing.T) {
	env := newConnEnv(t)
	user := acctest.RandomName("u")
	pol := user + "-policy"
	cfg := env.config(fmt.Sprintf("  prefix = \"f\"\n  iam_user_name = %q\n  iam_policy_name = %q\n", user, pol))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{user}, []string{pol}),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					env.emu.InjectFault(t, acctest.Fault{Method: "POST", Path: "/api/storageCredentials", Status: 503, Count: 100})
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)creating\s+ICA\s+storage\s+credential`),
			},
			{
				PreConfig: func() { env.emu.ClearFaults(t) },
				Config:    cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkConverged(t, connRes),
					env.checkNoSecret(t),
					func(*terraform.State) error {
						if n := len(env.policiesNamed(t, pol)); n != 1 {
							return fmt.Errorf("want one policy %s, got %d", pol, n)
						}
						if n := len(env.emu.Credentials(t)); n != 1 {
							return fmt.Errorf("want one ICA credential, got %d", n)
						}
						return nil
					},
				),
			},
		},
	})
}

// TestAccS3PolicyDocumentDataSource: the data source renders exactly what the resource applies.
func TestAccS3PolicyDocumentDataSource(t *testing.T) {
	kms := "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: `
provider "ica" {}
data "ica_s3_policy_document" "plain" {
  bucket = "my-bucket"
}
data "ica_s3_policy_document" "full" {
  bucket               = "my-bucket"
  prefix               = "ica"
  versioned            = true
  kms_key_arn          = "` + kms + `"
  cors_allowed_origins = ["https://a.example"]
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.ica_s3_policy_document.plain", tfjsonpath.New("json"),
					knownvalue.StringExact(policy.Build(policy.Options{Bucket: "my-bucket"}).JSON())),
				statecheck.ExpectKnownValue("data.ica_s3_policy_document.plain", tfjsonpath.New("cors_rule_json"),
					knownvalue.StringExact(policy.ICARule("", nil).JSON())),
				statecheck.ExpectKnownValue("data.ica_s3_policy_document.full", tfjsonpath.New("json"),
					knownvalue.StringExact(policy.Build(policy.Options{Bucket: "my-bucket", Prefix: "ica/", Versioned: true, KMSKeyARN: kms}).JSON())),
				statecheck.ExpectKnownValue("data.ica_s3_policy_document.full", tfjsonpath.New("cors_rule_json"),
					knownvalue.StringExact(policy.ICARule("", []string{"https://a.example"}).JSON())),
			},
		}},
	})
}

// TestAccS3Connection_unknownAtPlan: bucket and prefix known only at apply (they come from another
// resource): the plan skips the checks that need them, and apply derives the default names.
func TestAccS3Connection_unknownAtPlan(t *testing.T) {
	env := newConnEnv(t)
	cfg := env.providerConfig() + fmt.Sprintf(`
resource "terraform_data" "names" {
  input = { bucket = %q, prefix = "late" }
}
resource "ica_s3_connection" "test" {
  bucket = terraform_data.names.output.bucket
  prefix = terraform_data.names.output.prefix
}
`, env.bucket)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             func(*terraform.State) error { return env.checkCORS(t) },
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(connRes, tfjsonpath.New("iam_user_name")),
					plancheck.ExpectUnknownValue(connRes, tfjsonpath.New("policy_json")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connRes, tfjsonpath.New("iam_user_name"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(connRes, tfjsonpath.New("cors_rule_id"), knownvalue.NotNull()),
				},
				Check: env.checkConverged(t, connRes),
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccS3Connection_replaceUser: a new iam_user_name replaces the connection (destroy, then create).
// The old user, key and CORS rule go; the new connection adopts the ICA credential of the same name, so its
// id stays and storage configurations using it keep working with the new key; nothing is left twice.
func TestAccS3Connection_replaceUser(t *testing.T) {
	env := newConnEnv(t)
	u1, u2 := acctest.RandomName("u"), acctest.RandomName("u")
	cfg := func(user string) string {
		return env.config(fmt.Sprintf("  prefix = \"data\"\n  iam_user_name = %q\n", user))
	}
	first := connAttrs{}
	credID := statecheck.CompareValue(compare.ValuesSame())
	var policyName, credName string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy: func(s *terraform.State) error {
			return env.checkDestroyed(t, []string{u1, u2}, []string{policyName})(s)
		},
		Steps: []resource.TestStep{
			{
				Config:            cfg(u1),
				Check:             resource.ComposeAggregateTestCheckFunc(env.checkConverged(t, connRes), first.capture),
				ConfigStateChecks: []statecheck.StateCheck{credID.AddStateValue(connRes, tfjsonpath.New("credential_id"))},
			},
			{
				Config: cfg(u2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(connRes, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					credID.AddStateValue(connRes, tfjsonpath.New("credential_id")),
					statecheck.ExpectKnownValue(connRes, tfjsonpath.New("cors_rule_id"), knownvalue.StringExact("ica-tf-"+u2)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkConverged(t, connRes), // one key on u2, held by ICA; only u2's CORS rule
					func(s *terraform.State) error {
						a := s.RootModule().Resources[connRes].Primary.Attributes
						policyName, credName = a["iam_policy_name"], a["credential_name"]
						if env.userExists(t, u1) {
							return fmt.Errorf("the old IAM user %s is still there", u1)
						}
						if a["access_key_id"] == first["access_key_id"] {
							return fmt.Errorf("the key did not change")
						}
						if n := len(env.policiesNamed(t, policyName)); n != 1 {
							return fmt.Errorf("want policy %s once, got %d", policyName, n)
						}
						n := 0
						for _, c := range env.emu.Credentials(t) {
							if c.Name == credName {
								n++
							}
						}
						if n != 1 {
							return fmt.Errorf("ICA holds credential %q %d times, want once", credName, n)
						}
						return nil
					},
				),
			},
			{Config: cfg(u2), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// TestAccS3Connection_sharedNamesRefused: a second connection must not take over the IAM policy or the IAM
// user of a first one. Same bucket and folder with another iam_user_name derives the same policy name; the
// same iam_user_name with another folder names the same user. Either way the apply fails naming the
// attribute to change, the first connection is untouched, and the half-made second one is destroyed.
func TestAccS3Connection_sharedNamesRefused(t *testing.T) {
	for _, tc := range []struct {
		name, secondPrefix string
		sameUser           bool
		want               string
	}{
		// Refused at plan: the two are planned by one provider process (issue 10).
		{"same policy name", "shared", false, `(?s)would\s+share.*IAM\s+policy.*its\s+own\s+iam_policy_name`},
		{"same user name", "other", true, `(?s)would\s+share\s+IAM\s+user.*its\s+own\s+iam_user_name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newConnEnv(t)
			u1, u2 := acctest.RandomName("u"), acctest.RandomName("u")
			secondUser := u2
			if tc.sameUser {
				secondUser = u1
			}
			firstOnly := env.providerConfig() + fmt.Sprintf(`
resource "ica_s3_connection" "first" {
  bucket          = %q
  prefix          = "shared"
  iam_user_name   = %q
  credential_name = %q
}
`, env.bucket, u1, u1)
			cfg := firstOnly + fmt.Sprintf(`
resource "ica_s3_connection" "second" {
  bucket          = %q
  prefix          = %q
  iam_user_name   = %q
  credential_name = %q
  depends_on      = [ica_s3_connection.first]
}
`, env.bucket, tc.secondPrefix, secondUser, u2)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				CheckDestroy:             env.checkDestroyed(t, []string{u1, u2}, nil),
				Steps: []resource.TestStep{
					{Config: cfg, ExpectError: regexp.MustCompile(tc.want)},
					{
						// Without the second connection: the first is intact (its own key held by ICA, its
						// policy attached to its user alone) and whatever the second made is destroyed.
						Config: firstOnly,
						Check: resource.ComposeAggregateTestCheckFunc(
							env.checkConverged(t, "ica_s3_connection.first"),
							func(*terraform.State) error {
								if !tc.sameUser && env.userExists(t, u2) {
									return fmt.Errorf("the refused connection's IAM user %s is still there", u2)
								}
								return nil
							},
						),
					},
				},
			})
		})
	}
}

// TestAccS3Connection_namesTaken: an IAM user or policy that already exists with the connection's name and was
// not made by this provider for it is refused by the apply, naming the attribute; the existing object is left
// exactly as it was, and what the refused apply made of its own is recorded and destroyed. (Not at plan time:
// a replacement plans its create while its predecessor, which it deletes first, still holds the names.) A
// leftover of this connection's own interrupted create is adopted.
func TestAccS3Connection_namesTaken(t *testing.T) {
	env := newConnEnv(t)
	ctx := context.Background()
	foreignUser, foreignPolicy := acctest.RandomName("u"), acctest.RandomName("p")
	if _, err := env.iam().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(foreignUser)}); err != nil {
		t.Fatal(err)
	}
	fp, err := env.iam().CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(foreignPolicy),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = env.iam().DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(foreignUser)})
		_, _ = env.iam().DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: fp.Policy.Arn})
	})
	// A leftover of an interrupted create of the third step's connection: tagged for it.
	leftover := acctest.RandomName("u")
	if _, err := env.iam().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(leftover), Tags: []iamtypes.Tag{
		{Key: aws.String("ica-tf:managed-by"), Value: aws.String("terraform-provider-ica")},
		{Key: aws.String("ica-tf:bucket"), Value: aws.String(env.bucket)},
		{Key: aws.String("ica-tf:credential"), Value: aws.String(leftover)},
	}}); err != nil {
		t.Fatal(err)
	}
	cfg := func(user, extra string) string {
		return env.config(fmt.Sprintf("  prefix = \"data\"\n  iam_user_name = %q\n  credential_name = %q\n%s", user, user, extra))
	}
	untouched := func() {
		if len(env.keys(t, foreignUser)) != 0 {
			t.Fatal("the refused apply made a key for the foreign user")
		}
		attached, err := env.iam().ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(foreignUser)})
		if err != nil || len(attached.AttachedPolicies) != 0 {
			t.Fatalf("the refused apply attached a policy to the foreign user: %+v %v", attached, err)
		}
		if doc := env.policyDocument(t, aws.ToString(fp.Policy.Arn)); !strings.Contains(doc, "s3:ListBucket") || strings.Contains(doc, "PutObject") {
			t.Fatalf("the foreign policy was changed: %s", doc)
		}
	}
	mine := acctest.RandomName("u")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		// The first step's policy (the default name) was made and recorded by the refused apply.
		CheckDestroy: env.checkDestroyed(t, []string{leftover, mine}, []string{leftover + "-policy", naming.DefaultIAMPolicyName(env.bucket, "data/")}),
		Steps: []resource.TestStep{
			{
				Config:      cfg(foreignUser, ""),
				ExpectError: regexp.MustCompile(`(?s)IAM\s+user.*already\s+exists\s+and\s+was\s+not\s+created\s+by\s+this\s+provider.*iam_user_name`),
			},
			{
				PreConfig:   untouched,
				Config:      cfg(mine, fmt.Sprintf("  iam_policy_name = %q\n", foreignPolicy)),
				ExpectError: regexp.MustCompile(`(?s)IAM\s+policy.*already\s+exists\s+and\s+was\s+not\s+created\s+by\s+this\s+provider.*iam_policy_name`),
			},
			{
				// The leftover is adopted; the tainted half-made connection of the previous step is replaced.
				PreConfig: untouched,
				Config:    cfg(leftover, fmt.Sprintf("  iam_policy_name = %q\n", leftover+"-policy")),
				Check: resource.ComposeAggregateTestCheckFunc(env.checkConverged(t, connRes), func(*terraform.State) error {
					if env.userExists(t, mine) {
						return fmt.Errorf("the refused connection's own user %s was not destroyed", mine)
					}
					return nil
				}),
			},
		},
	})
}

// TestAccS3Connection_createBeforeDestroy: with create_before_destroy and its own user and policy names, the
// replacement is made while the old connection still works; it adopts the ICA credential (same id, new key),
// then the old user, key, policy and CORS rule go.
func TestAccS3Connection_createBeforeDestroy(t *testing.T) {
	env := newConnEnv(t)
	u1, u2 := acctest.RandomName("u"), acctest.RandomName("u")
	cfg := func(user string) string {
		return env.config(fmt.Sprintf(`  prefix          = "data"
  iam_user_name   = %q
  iam_policy_name = "%s-policy"
  lifecycle {
    create_before_destroy = true
  }
`, user, user))
	}
	credID := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{u1, u2}, []string{u1 + "-policy", u2 + "-policy"}),
		Steps: []resource.TestStep{
			{
				Config:            cfg(u1),
				ConfigStateChecks: []statecheck.StateCheck{credID.AddStateValue(connRes, tfjsonpath.New("credential_id"))},
			},
			{
				Config: cfg(u2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(connRes, plancheck.ResourceActionCreateBeforeDestroy),
				}},
				ConfigStateChecks: []statecheck.StateCheck{credID.AddStateValue(connRes, tfjsonpath.New("credential_id"))},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkConverged(t, connRes), // u2's key held by ICA; only u2's CORS rule
					func(*terraform.State) error {
						if env.userExists(t, u1) || len(env.policiesNamed(t, u1+"-policy")) != 0 {
							return fmt.Errorf("the old connection's user or policy is still there")
						}
						return nil
					},
				),
			},
		},
	})
}

// TestAccS3Connection_emptyPrefixSpelling: `prefix = ""` means the same as no prefix. Written after a create
// without one, the plan must be valid (Terraform refuses a planned null for a configured ""), and the apply
// changes nothing in AWS.
func TestAccS3Connection_emptyPrefixSpelling(t *testing.T) {
	env := newConnEnv(t)
	user := acctest.RandomName("u")
	keyID := statecheck.CompareValue(compare.ValuesSame())
	policyDoc := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{user}, nil),
		Steps: []resource.TestStep{
			{
				Config: env.config(fmt.Sprintf("  iam_user_name = %q\n", user)),
				ConfigStateChecks: []statecheck.StateCheck{
					keyID.AddStateValue(connRes, tfjsonpath.New("access_key_id")),
					policyDoc.AddStateValue(connRes, tfjsonpath.New("policy_json")),
				},
			},
			{
				Config: env.config(fmt.Sprintf("  iam_user_name = %q\n  prefix = \"\"\n", user)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					keyID.AddStateValue(connRes, tfjsonpath.New("access_key_id")),
					policyDoc.AddStateValue(connRes, tfjsonpath.New("policy_json")),
				},
				Check: env.checkConverged(t, connRes),
			},
		},
	})
}

// TestAccS3Connection_bucketChanged: a new bucket replaces the connection (default names, derived again
// from the new bucket); the plan-time name check sees one connection, not a clash with itself. Afterwards
// only the new bucket has the connection's CORS rule, the old user is gone, and the plan is empty.
func TestAccS3Connection_bucketChanged(t *testing.T) {
	env := newConnEnv(t)
	other := acctest.RandomName("conn")
	ctx := context.Background()
	if _, err := env.moto.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(other)}); err != nil {
		t.Fatal(err)
	}
	if err := acctest.EnforceBucketOwner(ctx, env.moto, other); err != nil {
		t.Fatal(err)
	}
	cfg := func(bucket string) string {
		return env.providerConfig() + fmt.Sprintf(`
resource "ica_s3_connection" "test" {
  bucket = %q
  prefix = "data"
}
`, bucket)
	}
	first := connAttrs{}
	var users, policies []string
	remember := func(s *terraform.State) error {
		a := s.RootModule().Resources[connRes].Primary.Attributes
		users, policies = append(users, a["iam_user_name"]), append(policies, a["iam_policy_name"])
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy: func(s *terraform.State) error {
			return env.checkDestroyed(t, users, policies)(s)
		},
		Steps: []resource.TestStep{
			{Config: cfg(env.bucket), Check: resource.ComposeAggregateTestCheckFunc(env.checkConverged(t, connRes), first.capture, remember)},
			{
				Config: cfg(other),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(connRes, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(remember, func(s *terraform.State) error {
					a := s.RootModule().Resources[connRes].Primary.Attributes
					if a["bucket"] != other || a["iam_user_name"] == first["iam_user_name"] {
						return fmt.Errorf("want a connection of bucket %s with new names, got bucket %s user %s", other, a["bucket"], a["iam_user_name"])
					}
					if env.userExists(t, first["iam_user_name"]) {
						return fmt.Errorf("the old IAM user %s is still there", first["iam_user_name"])
					}
					for _, r := range env.cors(t) {
						if aws.ToString(r.ID) == first["cors_rule_id"] {
							return fmt.Errorf("the old bucket still has the connection's CORS rule %s", first["cors_rule_id"])
						}
					}
					return nil
				}),
			},
			{Config: cfg(other), ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}
