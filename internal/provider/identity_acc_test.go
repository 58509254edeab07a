package provider_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// TestAccIdentity_credentialAndStorageConfiguration: both carry { id } as identity, an import block with
// identity = {...} imports them, and an import block with the legacy string id still works.
func TestAccIdentity_credentialAndStorageConfiguration(t *testing.T) {
	acctest.RequireFeature(t, acctest.FeatureIdentity)
	moto := acctest.SharedMoto(t)
	f := newStorageFixture(t, moto, "AKIAIOSFODNN7EXAMPLE", "moto-accepts-any", 100*time.Millisecond)
	const credRes = "ica_secret_credential.c"
	cfg := f.config(acctest.RandomName("sc"), f.bucket, `  prefix = "ica/"`)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(credRes, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(uuidRE)}),
					statecheck.ExpectIdentityValueMatchesState(credRes, tfjsonpath.New("id")),
					statecheck.ExpectIdentity(scAddr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(uuidRE)}),
					statecheck.ExpectIdentityValueMatchesState(scAddr, tfjsonpath.New("id")),
				},
			},
			{
				// ICA returns everything of a configuration but its credential, which comes from the
				// configuration without a replacement: nothing to change.
				Config:          cfg,
				ResourceName:    scAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				Config:          cfg,
				ResourceName:    scAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				// ICA never returns a credential's key id: the first apply after import sends it once.
				Config:             cfg,
				ResourceName:       credRes,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(credRes, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(credRes, tfjsonpath.New("access_key_id"), knownvalue.StringExact(f.keyID)),
				}},
			},
			{
				// The legacy terraform import with a string id sets the identity too.
				Config:                  cfg,
				ResourceName:            scAddr,
				ImportState:             true,
				ImportStateKind:         resource.ImportCommandWithID,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

// TestAccIdentity_s3Connection: { bucket, iam_user_name, credential_name } is the connection's identity, and
// an import block with it plans no change.
func TestAccIdentity_s3Connection(t *testing.T) {
	acctest.RequireFeature(t, acctest.FeatureIdentity)
	env := newConnEnv(t)
	user := acctest.RandomName("u")
	cfg := env.config(fmt.Sprintf(`
  prefix        = "ica/"
  iam_user_name = %q
`, user))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{user}, nil),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(connRes, map[string]knownvalue.Check{
						"bucket":          knownvalue.StringExact(env.bucket),
						"iam_user_name":   knownvalue.StringExact(user),
						"credential_name": knownvalue.NotNull(),
					}),
					statecheck.ExpectIdentityValueMatchesState(connRes, tfjsonpath.New("credential_name")),
				},
			},
			{
				Config:          cfg,
				ResourceName:    connRes,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				// The legacy BUCKET:IAM_USER_NAME:CREDENTIAL in an import block.
				Config:          cfg,
				ResourceName:    connRes,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					a := s.RootModule().Resources[connRes].Primary.Attributes
					return a["bucket"] + ":" + a["iam_user_name"] + ":" + a["credential_id"], nil
				},
			},
		},
	})
}

// TestAccIdentity_project: { id } is the project's identity; an import block with it plans no change.
func TestAccIdentity_project(t *testing.T) {
	acctest.RequireFeature(t, acctest.FeatureIdentity)
	f := newProjectFixture(t, icaemulator.Options{})
	cfg := f.config("Identity "+acctest.RandomName("p"), f.onStorage("runs"))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(projectAddr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(uuidRE)}),
					statecheck.ExpectIdentityValueMatchesState(projectAddr, tfjsonpath.New("id")),
				},
			},
			{
				Config:          cfg,
				ResourceName:    projectAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}
