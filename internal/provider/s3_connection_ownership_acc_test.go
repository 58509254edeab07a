package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ica-tf/terraform-provider-ica/internal/naming"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// Issue 10's workflows: two Terraform objects never claim the same key, user, rule or credential. Every
// step asserts every live connection (convergedAll: ICA's credential holds an existing key of that
// connection's own IAM user, its CORS rule is on the bucket) and the framework asserts the next plan is
// empty.

// laterFolder is a folder known only at apply (a terraform_data output made in the same apply): the plan
// cannot compare names it does not know, so only the apply-time claims protect the other connection (as
// with another provider configuration, -target or another working directory).
func laterFolder(folder string) string {
	return fmt.Sprintf("\nresource \"terraform_data\" \"later\" {\n  input = %q\n}\n", folder)
}

func (env *connEnv) connection(name, body string) string {
	return fmt.Sprintf("\nresource \"ica_s3_connection\" %q {\n  bucket = %q\n%s}\n", name, env.bucket, body)
}

func (env *connEnv) userTag(t *testing.T, user, key string) string {
	t.Helper()
	out, err := env.iam().ListUserTags(context.Background(), &iam.ListUserTagsInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range out.Tags {
		if aws.ToString(tag.Key) == key {
			return aws.ToString(tag.Value)
		}
	}
	return ""
}

// TestAccS3Connection_sameFolderTwice: workflow 1. prefix "same/" and "same" are one folder, so default names
// coincide. In one configuration the second is refused at plan; under another provider configuration (no
// plan-time view) at apply, by the first one's claim. Nothing of the first changes.
func TestAccS3Connection_sameFolderTwice(t *testing.T) {
	env := newConnEnv(t)
	a := env.connection("a", "  prefix = \"same/\"\n")
	live := convergedAll{t: t, env: env, want: 1}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, nil, nil),
		Steps: []resource.TestStep{
			{
				Config:      env.providerConfig() + a + env.connection("b", "  prefix = \"same\"\n  depends_on = [ica_s3_connection.a]\n"),
				ExpectError: regexp.MustCompile(`(?s)would\s+share\s+bucket.*folder\s+"same/".*IAM\s+user.*"same"\s+and\s+"same/"\s+are\s+one\s+folder`),
			},
			{Config: env.providerConfig() + a, ConfigStateChecks: []statecheck.StateCheck{live}},
			{
				Config: env.providerConfig() + a + laterFolder("same") +
					env.connection("b", "  prefix = terraform_data.later.output\n  depends_on = [ica_s3_connection.a]\n"),
				ExpectError: regexp.MustCompile(`(?s)already\s+exists\s+and\s+belongs\s+to\s+another\s+connection.*terraform\s+import`),
			},
			{Config: env.providerConfig() + a, ConfigStateChecks: []statecheck.StateCheck{live}},
		},
	})
}

// TestAccS3Connection_sameCredentialTwoFolders: workflow 2. The same credential_name on another folder is
// refused (at plan in one configuration, before any write at apply otherwise), naming the IAM user that
// holds it. Then two connections of their own on the bucket; destroying one leaves the other intact.
func TestAccS3Connection_sameCredentialTwoFolders(t *testing.T) {
	env := newConnEnv(t)
	cred := acctest.RandomName("c")
	a := env.connection("a", fmt.Sprintf("  prefix = \"one\"\n  credential_name = %q\n", cred))
	b := func(prefix, credential string) string {
		return env.connection("b", fmt.Sprintf("  prefix = %s\n  credential_name = %q\n  depends_on = [ica_s3_connection.a]\n", prefix, credential))
	}
	var aUser string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, nil, nil),
		Steps: []resource.TestStep{
			{
				Config:      env.providerConfig() + a + b(`"two"`, cred),
				ExpectError: regexp.MustCompile(`(?s)would\s+share\s+ICA\s+credential.*its\s+own\s+credential_name`),
			},
			{
				Config:            env.providerConfig() + a,
				ConfigStateChecks: []statecheck.StateCheck{convergedAll{t: t, env: env, want: 1}},
				Check: func(s *terraform.State) error {
					aUser = s.RootModule().Resources["ica_s3_connection.a"].Primary.Attributes["iam_user_name"]
					return nil
				},
			},
			{
				Config:      env.providerConfig() + a + laterFolder("two") + b("terraform_data.later.output", cred),
				ExpectError: regexp.MustCompile(`(?s)holds\s+the\s+key\s+of\s+another\s+ica_s3_connection.*folder\s+"one/"`),
			},
			{
				PreConfig: func() {
					if env.userExists(t, naming.DefaultIAMUserName(env.bucket, "two/")) || len(env.policiesNamed(t, naming.DefaultIAMPolicyName(env.bucket, "two/"))) != 0 {
						t.Fatalf("the refused connection made a user or policy")
					}
					if err := env.checkCORS(t, "ica-tf-"+aUser); err != nil {
						t.Fatal(err)
					}
				},
				Config:            env.providerConfig() + a + b(`"two"`, cred+"-b"),
				ConfigStateChecks: []statecheck.StateCheck{convergedAll{t: t, env: env, want: 2}},
			},
			{
				// Destroy b alone (as destroy -target does): a keeps its key, credential and rule.
				Config:            env.providerConfig() + a,
				ConfigStateChecks: []statecheck.StateCheck{convergedAll{t: t, env: env, want: 1}},
			},
		},
	})
}

// TestAccS3Connection_createBeforeDestroyRetried: workflow 3. A create_before_destroy replacement whose
// derived policy name the live connection holds is refused, and no warning claims the credential holds a
// new key. Retried with its own policy name, the replacement takes over the credential (same bucket and
// folder); the destroy of the refused attempt leaves what the replacement adopted and claimed; the old
// connection goes.
func TestAccS3Connection_createBeforeDestroyRetried(t *testing.T) {
	env := newConnEnv(t)
	u1, u2, cred := acctest.RandomName("u"), acctest.RandomName("u"), acctest.RandomName("c")
	cfg := func(user, extra string) string {
		return env.providerConfig() + env.connection("test", fmt.Sprintf("  prefix = \"data\"\n  iam_user_name = %q\n  credential_name = %q\n%s  lifecycle {\n    create_before_destroy = true\n  }\n", user, cred, extra))
	}
	var live map[string]string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{u1, u2}, []string{u2 + "-policy"}),
		Steps: []resource.TestStep{
			{
				Config:            cfg(u1, ""),
				ConfigStateChecks: []statecheck.StateCheck{convergedAll{t: t, env: env, want: 1}, statecheck.ExpectKnownValue(connRes, tfjsonpath.New("claim_token"), knownvalue.NotNull())},
				Check: func(s *terraform.State) error {
					live = s.RootModule().Resources[connRes].Primary.Attributes
					if env.userTag(t, u1, "ica-tf:claim") != live["claim_token"] {
						return fmt.Errorf("user %s is not claimed with the state's token", u1)
					}
					return nil
				},
			},
			{
				Config:      cfg(u2, ""),
				ExpectError: regexp.MustCompile(`(?s)IAM\s+policy.*belongs\s+to\s+another\s+connection.*iam_policy_name`),
			},
			{
				// The live connection is intact: its key, held by ICA, its rule on the bucket (next to the
				// rule of the refused attempt's own new user, which its tainted state records).
				PreConfig: func() {
					if err := env.checkConvergedAttrs(t, live, "ica-tf-"+u1, "ica-tf-"+u2); err != nil {
						t.Fatalf("after the refused replacement: %v", err)
					}
				},
				Config:            cfg(u2, fmt.Sprintf("  iam_policy_name = %q\n", u2+"-policy")),
				ConfigStateChecks: []statecheck.StateCheck{convergedAll{t: t, env: env, want: 1, ruleIDs: []string{"ica-tf-" + u2}}},
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources[connRes].Primary.Attributes
					if a["credential_id"] != live["credential_id"] || a["claim_token"] == live["claim_token"] {
						return fmt.Errorf("want the credential taken over (%s) under a new claim, got %s, token %s", live["credential_id"], a["credential_id"], a["claim_token"])
					}
					if env.userExists(t, u1) || len(env.policiesNamed(t, live["iam_policy_name"])) != 0 {
						return fmt.Errorf("the old connection's user or policy is still there")
					}
					if env.userTag(t, u2, "ica-tf:claim") != a["claim_token"] {
						return fmt.Errorf("user %s is not claimed by the replacement", u2)
					}
					return nil
				},
			},
		},
	})
}

// TestAccS3Connection_upgradeWithoutToken: state without a claim (written before claims, or an import of
// an unclaimed connection) plans no change; the next apply that changes the connection claims its user
// and policy and records the token.
func TestAccS3Connection_upgradeWithoutToken(t *testing.T) {
	env := newConnEnv(t)
	user, cred := acctest.RandomName("u"), acctest.RandomName("c")
	cfg := func(tags string) string {
		return env.config(fmt.Sprintf("  prefix = \"data\"\n  iam_user_name = %q\n  credential_name = %q\n%s", user, cred, tags))
	}
	unclaim := func() {
		// As objects made before claims: ownership tags, no claim.
		ctx := context.Background()
		if _, err := env.iam().UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String(user), TagKeys: []string{"ica-tf:claim"}}); err != nil {
			t.Fatal(err)
		}
		for _, p := range env.policiesNamed(t, naming.DefaultIAMPolicyName(env.bucket, "data/")) {
			if _, err := env.iam().UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: p.Arn, TagKeys: []string{"ica-tf:claim"}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var credID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{user}, []string{naming.DefaultIAMPolicyName(env.bucket, "data/")}),
		Steps: []resource.TestStep{
			{
				Config: cfg(""),
				Check: func(s *terraform.State) error {
					credID = s.RootModule().Resources[connRes].Primary.Attributes["credential_id"]
					return nil
				},
			},
			{
				// Forget the connection without destroying it, then import it back.
				PreConfig: unclaim,
				Config:    env.providerConfig() + "removed {\n  from = ica_s3_connection.test\n  lifecycle {\n    destroy = false\n  }\n}\n",
			},
			{
				Config:             cfg(""),
				ResourceName:       connRes,
				ImportState:        true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return env.bucket + ":" + user + ":" + credID, nil },
				ImportStatePersist: true,
				ImportStateCheck: func(s []*terraform.InstanceState) error {
					if tok, ok := s[0].Attributes["claim_token"]; ok && tok != "" {
						return fmt.Errorf("imported an unclaimed connection with claim_token %q", tok)
					}
					return nil
				},
			},
			{
				// Unchanged: no plan (the framework asserts it after the step).
				Config:            cfg(""),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(connRes, tfjsonpath.New("claim_token"), knownvalue.Null())},
			},
			{
				Config:            cfg("  tags = { team = \"genomics\" }\n"),
				ConfigStateChecks: []statecheck.StateCheck{convergedAll{t: t, env: env, want: 1}, statecheck.ExpectKnownValue(connRes, tfjsonpath.New("claim_token"), knownvalue.NotNull())},
				Check: func(s *terraform.State) error {
					a := s.RootModule().Resources[connRes].Primary.Attributes
					if env.userTag(t, user, "ica-tf:claim") != a["claim_token"] {
						return fmt.Errorf("the user is not claimed with the recorded token %q", a["claim_token"])
					}
					return nil
				},
			},
		},
	})
}

// TestAccS3Connection_forEachKeyRenamed: renaming a for_each key plans a destroy and a create of the same
// names, which cannot both succeed: the plan refuses it and says to add a moved block; with the block the
// connection is kept as it is.
func TestAccS3Connection_forEachKeyRenamed(t *testing.T) {
	env := newConnEnv(t)
	cfg := func(key, moved string) string {
		return env.providerConfig() + fmt.Sprintf(`
resource "ica_s3_connection" "many" {
  for_each = toset([%q])
  bucket   = %q
  prefix   = "data"
}
%s`, key, env.bucket, moved)
	}
	live := convergedAll{t: t, env: env, want: 1}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg("old", ""), ConfigStateChecks: []statecheck.StateCheck{live}},
			{Config: cfg("new", ""), ExpectError: regexp.MustCompile(`(?s)a\s+connection\s+this\s+plan\s+destroys\s+still\s+holds.*moved\s+block`)},
			{
				Config:            cfg("new", "moved {\n  from = ica_s3_connection.many[\"old\"]\n  to   = ica_s3_connection.many[\"new\"]\n}\n"),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{live},
			},
			// Destroyed by a step (the framework's final destroy cannot read for_each state).
			{Config: env.providerConfig(), Check: env.checkDestroyed(t, []string{naming.DefaultIAMUserName(env.bucket, "data/")}, []string{naming.DefaultIAMPolicyName(env.bucket, "data/")})},
		},
	})
}

// TestAccS3Connection_taintOneOfTwo: a tainted connection is replaced (destroy, then create with the same
// names, adopting its ICA credential) while the other connection on the bucket keeps its key, credential
// and rule; both end claimed by their own tokens.
func TestAccS3Connection_taintOneOfTwo(t *testing.T) {
	env := newConnEnv(t)
	cfg := env.providerConfig() + env.connection("a", "  prefix = \"one\"\n") + env.connection("b", "  prefix = \"two\"\n")
	both := convergedAll{t: t, env: env, want: 2}
	token := statecheck.CompareValue(compare.ValuesDiffer())
	keep := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, nil, nil),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{both,
					token.AddStateValue("ica_s3_connection.a", tfjsonpath.New("claim_token")),
					keep.AddStateValue("ica_s3_connection.b", tfjsonpath.New("access_key_id")),
				},
			},
			{
				Config: cfg,
				Taint:  []string{"ica_s3_connection.a"},
				ConfigStateChecks: []statecheck.StateCheck{both,
					token.AddStateValue("ica_s3_connection.a", tfjsonpath.New("claim_token")),
					keep.AddStateValue("ica_s3_connection.b", tfjsonpath.New("access_key_id")),
				},
			},
		},
	})
}

// TestAccS3Connection_credentialRenamed: a new credential_name replaces the connection (destroy, then
// create): the new one gets a credential of its own, the other connection on the bucket is untouched.
func TestAccS3Connection_credentialRenamed(t *testing.T) {
	env := newConnEnv(t)
	c1, c2 := acctest.RandomName("c"), acctest.RandomName("c")
	cfg := func(cred string) string {
		return env.providerConfig() + env.connection("a", fmt.Sprintf("  prefix = \"one\"\n  credential_name = %q\n", cred)) +
			env.connection("b", "  prefix = \"two\"\n")
	}
	both := convergedAll{t: t, env: env, want: 2}
	credID := statecheck.CompareValue(compare.ValuesDiffer())
	keep := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, nil, nil),
		Steps: []resource.TestStep{
			{
				Config: cfg(c1),
				ConfigStateChecks: []statecheck.StateCheck{both,
					credID.AddStateValue("ica_s3_connection.a", tfjsonpath.New("credential_id")),
					keep.AddStateValue("ica_s3_connection.b", tfjsonpath.New("access_key_id")),
				},
			},
			{
				Config: cfg(c2),
				ConfigStateChecks: []statecheck.StateCheck{both,
					credID.AddStateValue("ica_s3_connection.a", tfjsonpath.New("credential_id")),
					keep.AddStateValue("ica_s3_connection.b", tfjsonpath.New("access_key_id")),
					statecheck.ExpectKnownValue("ica_s3_connection.a", tfjsonpath.New("credential_name"), knownvalue.StringExact(c2)),
				},
			},
		},
	})
}
