package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ica-tf/terraform-provider-ica/internal/policy"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

const connRes = "ica_s3_connection.test"

func (env *connEnv) config(body string) string {
	return env.providerConfig() + fmt.Sprintf(`
resource "ica_s3_connection" "test" {
  bucket = %q
%s
}
`, env.bucket, body)
}

// TestAccS3Connection_lifecycle: create next to a foreign CORS rule, empty plan, every in-place update,
// destroy leaving nothing behind; the secret is never in state.
func TestAccS3Connection_lifecycle(t *testing.T) {
	env := newConnEnv(t)
	user := acctest.RandomName("u")
	pol := user + "-policy"
	keyID := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{user}, []string{pol}),
		Steps: []resource.TestStep{
			{
				Config: env.config(fmt.Sprintf(`
  prefix          = "ica"
  ica_region      = "United States"
  iam_user_name   = %q
  iam_policy_name = %q
  tags            = { team = "genomics" }
`, user, pol)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connRes, tfjsonpath.New("aws_region"), knownvalue.StringExact("us-east-1")),
					statecheck.ExpectKnownValue(connRes, tfjsonpath.New("prefix"), knownvalue.StringExact("ica")),
					statecheck.ExpectKnownValue(connRes, tfjsonpath.New("cors_rule_id"), knownvalue.StringExact("ica-tf-"+user)),
					statecheck.ExpectKnownValue(connRes, tfjsonpath.New("credential_name"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(connRes, tfjsonpath.New("access_key_id"), knownvalue.StringRegexp(regexp.MustCompile(`^[A-Z0-9]{16,}$`))),
					statecheck.ExpectKnownValue(connRes, tfjsonpath.New("policy_json"),
						knownvalue.StringExact(policy.Build(policy.Options{Bucket: env.bucket, Prefix: "ica/"}).JSON())),
					keyID.AddStateValue(connRes, tfjsonpath.New("access_key_id")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkConverged(t, connRes),
					env.checkNoSecret(t),
					resource.TestCheckResourceAttrPair(connRes, "id", connRes, "credential_id"),
				),
			},
			{
				// "ica/" means the same as "ica": no change.
				Config: env.config(fmt.Sprintf(`
  prefix          = "ica/"
  ica_region      = "United States"
  iam_user_name   = %q
  iam_policy_name = %q
  tags            = { team = "genomics" }
`, user, pol)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// In-place updates: prefix, KMS key, tags, CORS origins, sharing. The key is kept.
				Config: env.config(fmt.Sprintf(`
  prefix               = "ica/runs"
  iam_user_name        = %q
  iam_policy_name      = %q
  kms_key_arn          = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  cors_allowed_origins = ["https://ica.illumina.com", "https://eu.ica.illumina.com"]
  share_credential     = true
  tags                 = { team = "bio", cost = "42" }
`, user, pol)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(connRes, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					keyID.AddStateValue(connRes, tfjsonpath.New("access_key_id")),
					statecheck.ExpectKnownValue(connRes, tfjsonpath.New("policy_json"),
						knownvalue.StringExact(policy.Build(policy.Options{Bucket: env.bucket, Prefix: "ica/runs/",
							KMSKeyARN: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}).JSON())),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkConverged(t, connRes),
					func(_ *terraform.State) error {
						if n := env.emulatorCount(t, "POST", ":share"); n != 1 {
							return fmt.Errorf("want one :share, got %d", n)
						}
						return nil
					},
				),
			},
			{
				// manage_cors = false removes only our rule.
				Config: env.config(fmt.Sprintf(`
  prefix           = "ica/runs"
  iam_user_name    = %q
  iam_policy_name  = %q
  manage_cors      = false
  share_credential = true
`, user, pol)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(connRes, tfjsonpath.New("cors_rule_id"), knownvalue.Null()),
				},
				Check: func(_ *terraform.State) error { return env.checkCORS(t) },
			},
			{
				// Unsharing is impossible in ICA: refused at plan time.
				Config: env.config(fmt.Sprintf(`
  prefix           = "ica/runs"
  iam_user_name    = %q
  iam_policy_name  = %q
  manage_cors      = false
  share_credential = false
`, user, pol)),
				ExpectError: regexp.MustCompile(`ICA cannot unshare a storage credential`),
			},
			{
				// Back to managed CORS with the default origin before destroy.
				Config: env.config(fmt.Sprintf(`
  prefix           = "ica/runs"
  iam_user_name    = %q
  iam_policy_name  = %q
  share_credential = true
`, user, pol)),
				Check: env.checkConverged(t, connRes),
			},
		},
	})
}
