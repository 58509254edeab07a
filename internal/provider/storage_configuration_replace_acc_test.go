package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// A replacement that keeps the name cannot succeed (ICA keeps the old configuration of that name and
// cannot change it): the plan fails, naming the fix, and nothing is written to ICA. With a new name the
// replacement plans and applies, and the old configuration stays in ICA.
func TestAccStorageConfiguration_sameNameReplacement(t *testing.T) {
	moto := acctest.SharedMoto(t)
	f := newStorageFixture(t, moto, "AKIAIOSFODNN7EXAMPLE", "moto-accepts-any", 200*time.Millisecond)
	other := acctest.RandomName("tf-sc2")
	if _, err := moto.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(other)}); err != nil {
		t.Fatal(err)
	}
	log := &writeLog{e: f.emu}
	name, renamed := acctest.RandomName("sc"), acctest.RandomName("sc")
	var id string
	refusal := func(changed string) *regexp.Regexp {
		return regexp.MustCompile(`(?s)replaces\s+the\s+ICA\s+storage\s+configuration\s+"` + name + `"\s+\(` +
			`[0-9a-f-]{36}\)\s+with\s+one\s+of\s+the\s+same\s+name\s+but\s+a\s+different\s+` + changed +
			`\..*Set\s+another\s+name.*the\s+old\s+one\s+stays\s+in\s+ICA`)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: f.config(name, f.bucket, `  prefix = "a/"`),
				Check:  resource.ComposeAggregateTestCheckFunc(captureAttr(scAddr, "id", &id), log.skip(t)),
			},
			{
				Config:      f.config(name, other, `  prefix = "b/"`),
				ExpectError: refusal(`bucket,\s+prefix`),
			},
			{
				// Adoption compares the description too: same name, another description cannot succeed either.
				Config: f.config(name, f.bucket, `  prefix = "a/"
  description = "another"`),
				ExpectError: refusal(`description`),
			},
			{
				Config: f.config(renamed, other, `  prefix = "b/"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(scAddr, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(scAddr, "status", "OK"),
					resource.TestCheckResourceAttr(scAddr, "bucket", other),
					func(s *terraform.State) error {
						if s.RootModule().Resources[scAddr].Primary.ID == id {
							return fmt.Errorf("the configuration was not replaced")
						}
						return nil
					},
					// The refused plans wrote nothing: the only write is this step's create, and the old
					// configuration is in ICA as it was.
					log.expectWrites(t, "POST /api/storageConfigurations"),
					storedPrefix(t, f.emu, name, "a/"),
					storedPrefix(t, f.emu, renamed, "b/"),
				),
			},
		},
	})
}

// A connection replaced (its IAM user changes) leaves the credential_id of a storage configuration that
// keeps its name unknown until apply: the create could only adopt the old configuration, with whatever
// credential it has. The plan fails naming the fix, before the connection is touched.
func TestAccStorageConfiguration_connectionReplacedSameName(t *testing.T) {
	env := newConnEnv(t)
	log := &writeLog{e: env.emu}
	u1, u2 := acctest.RandomName("u"), acctest.RandomName("u")
	scName := acctest.RandomName("sc")
	cfg := func(user string) string {
		return env.providerConfig() + fmt.Sprintf(`
data "ica_region" "us" {
  name = "United States"
}
resource "ica_s3_connection" "test" {
  bucket        = %[1]q
  ica_region    = "United States"
  iam_user_name = %[2]q
}
resource "ica_storage_configuration" "test" {
  name          = %[3]q
  credential_id = ica_s3_connection.test.credential_id
  region_id     = data.ica_region.us.id
  bucket        = ica_s3_connection.test.bucket
}
`, env.bucket, user, scName)
	}
	var credID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{u1, u2}, nil),
		Steps: []resource.TestStep{
			{
				Config: cfg(u1),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(scAddr, "status", "OK"),
					captureAttr(connRes, "credential_id", &credID),
					log.skip(t),
				),
			},
			{
				Config: cfg(u2),
				ExpectError: regexp.MustCompile(`(?s)same\s+name\s+but\s+a\s+different\s+credential_id\s+\(known\s+only\s+at\s+apply.*` +
					`Set\s+another\s+name.*-target=`),
			},
			{
				// The refused plan changed nothing: the first configuration plans nothing, and nothing was written.
				Config: cfg(u1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(connRes, "iam_user_name", u1),
					resource.TestCheckResourceAttrPtr(connRes, "credential_id", &credID),
					env.checkConverged(t, connRes),
					log.expectWrites(t),
				),
			},
		},
	})
}
