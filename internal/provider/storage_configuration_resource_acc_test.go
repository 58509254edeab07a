package provider_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

const scAddr = "ica_storage_configuration.test"

// storageFixture is an emulator that validates against a moto bucket.
type storageFixture struct {
	emu          *acctest.Emulator
	moto         *acctest.Moto
	bucket       string
	keyID        string
	secret       string
	credentialTF string // the ica_secret_credential block
}

func newStorageFixture(t *testing.T, moto *acctest.Moto, keyID, secret string, delay time.Duration) *storageFixture {
	t.Helper()
	unsetICAEnv(t)
	bucket := acctest.RandomName("tf-sc")
	if _, err := moto.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("creating bucket %s in moto: %v", bucket, err)
	}
	emu := acctest.NewEmulator(t, icaemulator.Options{AWSEndpoint: moto.Endpoint, AWSRegion: moto.Region, ValidationDelay: delay})
	f := &storageFixture{emu: emu, moto: moto, bucket: bucket, keyID: keyID, secret: secret}
	f.credentialTF = fmt.Sprintf(`
data "ica_region" "here" {
  aws_region = %q
}

resource "ica_secret_credential" "c" {
  name                         = %q
  access_key_id                = %q
  secret_access_key_wo         = %q
  secret_access_key_wo_version = 1
}
`, moto.Region, acctest.RandomName("tf-sc-cred"), keyID, secret)
	return f
}

// config renders the provider, credential and one storage configuration with the given extra attributes.
func (f *storageFixture) config(name, bucket, extra string) string {
	return acctest.ProviderConfig(f.emu, nil) + f.credentialTF + fmt.Sprintf(`
resource "ica_storage_configuration" "test" {
  name          = %q
  credential_id = ica_secret_credential.c.id
  region_id     = data.ica_region.here.id
  bucket        = %q
%s
}
`, name, bucket, extra)
}

func TestAccStorageConfiguration_lifecycle(t *testing.T) {
	moto := acctest.SharedMoto(t)
	f := newStorageFixture(t, moto, "AKIAIOSFODNN7EXAMPLE", "moto-accepts-any", 300*time.Millisecond)
	other := acctest.RandomName("tf-sc2")
	if _, err := moto.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(other)}); err != nil {
		t.Fatal(err)
	}
	log := &writeLog{e: f.emu}
	name := acctest.RandomName("sc")
	var id string

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: f.config(name, f.bucket, `  prefix = "ica"
  description = "acceptance test"
  sse_algorithm = "AES256"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(scAddr, tfjsonpath.New("status"), knownvalue.StringExact("OK")),
					statecheck.ExpectKnownValue(scAddr, tfjsonpath.New("error_message"), knownvalue.Null()),
					statecheck.ExpectKnownValue(scAddr, tfjsonpath.New("is_default"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(scAddr, tfjsonpath.New("prefix"), knownvalue.StringExact("ica")),
					statecheck.ExpectKnownValue(scAddr, tfjsonpath.New("shared"), knownvalue.Bool(false)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					captureAttr(scAddr, "id", &id),
					storedPrefix(t, f.emu, name, "ica/"),
					log.expectWrites(t, "POST /api/storageCredentials", "POST /api/storageConfigurations"),
				),
			},
			{
				// "ica/" means the same folder and "aes256" the same algorithm: the plan is empty and the
				// state keeps the first spelling.
				Config: f.config(name, f.bucket, `  prefix = "ica/"
  description = "acceptance test"
  sse_algorithm = "aes256"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(scAddr, "id", &id),
					log.expectWrites(t),
				),
			},
			{
				Config: f.config(name, f.bucket, `  prefix = "ica/"
  description = "acceptance test"
  sse_algorithm = "aes256"
  revalidate_trigger = "1"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(scAddr, tfjsonpath.New("status")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(scAddr, "status", "OK"),
					log.expectWrites(t, "POST :validate"),
				),
			},
			{
				Config: f.config(name, f.bucket, `  prefix = "ica/"
  description = "acceptance test"
  sse_algorithm = "aes256"
  revalidate_trigger = "1"
  shared = true`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(scAddr, "shared", "true"),
					log.expectWrites(t, "POST :share"),
				),
			},
			{
				Config: f.config(name, f.bucket, `  prefix = "ica/"
  description = "acceptance test"
  sse_algorithm = "aes256"
  revalidate_trigger = "1"
  shared = false`),
				ExpectError: errRE(`ICA cannot unshare a storage configuration`),
			},
			{
				ResourceName:      scAddr,
				ImportState:       true,
				ImportStateVerify: true,
				// The state keeps the first spellings ("ica", "AES256"), import reads ICA's ("ica/"); the trigger
				// and timeouts exist only in Terraform; credential_id comes from the list's undocumented
				// storageCredential, which the emulator returns like ICA.
				ImportStateVerifyIgnore: []string{"prefix", "sse_algorithm", "revalidate_trigger", "shared", "timeouts"},
				Config: f.config(name, f.bucket, `  prefix = "ica/"
  description = "acceptance test"
  sse_algorithm = "aes256"
  revalidate_trigger = "1"
  shared = true`),
			},
			{
				// Another bucket needs another configuration (and the old one stays in ICA).
				Config: f.config(name+"b", other, `  prefix = "ica/"
  shared = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scAddr, plancheck.ResourceActionDestroyBeforeCreate)},
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
					log.expectWrites(t, "POST /api/storageConfigurations", "POST :share"),
				),
			},
		},
	})
}

// storedPrefix checks the key prefix ICA stores for the configuration named name.
func storedPrefix(t *testing.T, e *acctest.Emulator, name, want string) func(*terraform.State) error {
	return func(*terraform.State) error {
		sc := configurationsNamed(t, e, name)
		if len(sc) != 1 {
			return fmt.Errorf("want one configuration named %q in ICA, got %d", name, len(sc))
		}
		d, err := icaClient(t, e).GetStorageConfigurationDetails(context.Background(), sc[0].ID)
		if err != nil {
			return err
		}
		if d.AWSS3 == nil || d.AWSS3.KeyPrefix == nil || *d.AWSS3.KeyPrefix != want {
			return fmt.Errorf("ICA stores details %+v, want key prefix %q", d.AWSS3, want)
		}
		return nil
	}
}

func configurationsNamed(t *testing.T, e *acctest.Emulator, name string) []ica.StorageConfigurationWithDetails {
	all, err := icaClient(t, e).ListStorageConfigurations(context.Background())
	if err != nil {
		t.Fatalf("listing storage configurations: %v", err)
	}
	var out []ica.StorageConfigurationWithDetails
	for _, c := range all {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// Destroy forgets; applying again adopts the configuration (and re-validates it) instead of duplicating it.
func TestAccStorageConfiguration_destroyThenAdopt(t *testing.T) {
	moto := acctest.SharedMoto(t)
	f := newStorageFixture(t, moto, "AKIAIOSFODNN7EXAMPLE", "moto-accepts-any", 200*time.Millisecond)
	log := &writeLog{e: f.emu}
	name := acctest.RandomName("sc")
	withSC := f.config(name, f.bucket, `  prefix = "runs/"`)
	credOnly := acctest.ProviderConfig(f.emu, nil) + f.credentialTF
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: withSC,
				Check:  resource.ComposeAggregateTestCheckFunc(captureAttr(scAddr, "id", &id), log.skip(t)),
			},
			{
				Config: credOnly,
				Check:  log.expectWrites(t),
			},
			{
				Config: withSC,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(scAddr, "id", &id),
					resource.TestCheckResourceAttr(scAddr, "status", "OK"),
					func(*terraform.State) error {
						if n := len(configurationsNamed(t, f.emu, name)); n != 1 {
							return fmt.Errorf("want one configuration named %q in ICA, got %d", name, n)
						}
						return nil
					},
					log.expectWrites(t, "POST :validate"),
				),
			},
		},
	})
}

// A same-named configuration for another bucket cannot be adopted (ICA cannot change it): a clear error.
func TestAccStorageConfiguration_adoptMismatch(t *testing.T) {
	moto := acctest.SharedMoto(t)
	f := newStorageFixture(t, moto, "AKIAIOSFODNN7EXAMPLE", "moto-accepts-any", 200*time.Millisecond)
	name := acctest.RandomName("sc")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: f.config(name, f.bucket, `  prefix = "a/"`)},
			{Config: acctest.ProviderConfig(f.emu, nil) + f.credentialTF},
			{
				Config:      f.config(name, f.bucket, `  prefix = "b/"`),
				ExpectError: errRE(`already has a storage configuration named.*prefix is "a/" in ICA but "b/"`),
			},
		},
	})
}

// A configuration removed in the ICA UI is planned for creation again.
func TestAccStorageConfiguration_drift(t *testing.T) {
	moto := acctest.SharedMoto(t)
	f := newStorageFixture(t, moto, "AKIAIOSFODNN7EXAMPLE", "moto-accepts-any", 200*time.Millisecond)
	name := acctest.RandomName("sc")
	cfg := f.config(name, f.bucket, `  prefix = "ica/"`)
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg, Check: captureAttr(scAddr, "id", &id)},
			{
				PreConfig: func() { f.emu.DeleteStorageConfiguration(t, id) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scAddr, plancheck.ResourceActionCreate)},
				},
				Check: func(s *terraform.State) error {
					if s.RootModule().Resources[scAddr].Primary.ID == id {
						return fmt.Errorf("the configuration was not recreated")
					}
					return nil
				},
			},
		},
	})
}

// With a deleted access key ICA settles ERROR, and the apply fails with ICA's message.
func TestAccStorageConfiguration_errorStatus(t *testing.T) {
	moto := acctest.NewMoto(t, acctest.MotoOptions{EnforceIAM: true})
	ctx := context.Background()
	user := acctest.RandomName("tf-sc-user")
	if _, err := moto.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		t.Fatal(err)
	}
	key, err := moto.IAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := moto.IAM.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(user), AccessKeyId: key.AccessKey.AccessKeyId}); err != nil {
		t.Fatal(err)
	}
	f := newStorageFixture(t, moto, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), 200*time.Millisecond)
	name := acctest.RandomName("sc")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      f.config(name, f.bucket, `  prefix = "ica/"`),
				ExpectError: errRE(`ICA reports the storage configuration "` + name + `" \(\S+\) in ERROR: .*InvalidAccessKeyId`),
			},
			{
				// The configuration stays in ICA; the next apply adopts it, validates it again and fails again.
				PreConfig: func() {
					sc := configurationsNamed(t, f.emu, name)
					if len(sc) != 1 || sc[0].Status != ica.StatusError || deref(sc[0].ErrorMessage) == "" {
						t.Errorf("want one configuration in ERROR with a message, got %+v", sc)
					}
				},
				Config:      f.config(name, f.bucket, `  prefix = "ica/"`),
				ExpectError: errRE(`ICA reports the storage configuration "` + name + `" \(\S+\) in ERROR: .*InvalidAccessKeyId`),
			},
		},
	})
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// A configuration that stays INITIALIZING past timeouts.create fails the apply, and wait_for_ok = false
// does not wait at all.
func TestAccStorageConfiguration_waitBounds(t *testing.T) {
	moto := acctest.SharedMoto(t)
	f := newStorageFixture(t, moto, "AKIAIOSFODNN7EXAMPLE", "moto-accepts-any", time.Hour)
	name := acctest.RandomName("sc")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: f.config(name, f.bucket, `  prefix = "ica/"
  timeouts {
    create = "3s"
  }`),
				ExpectError: errRE(`still INITIALIZING after 3s`),
			},
			{
				Config: f.config(name, f.bucket, `  prefix = "ica/"
  wait_for_ok = false`),
				Check: resource.TestCheckResourceAttr(scAddr, "status", "INITIALIZING"),
			},
		},
	})
}

func TestAccStorageConfiguration_invalidInput(t *testing.T) {
	unsetICAEnv(t)
	const (
		cred   = "0f8fad5b-d9cb-469f-a165-70867728950e"
		region = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	)
	step := func(name, regionID, bucket, extra, want string) resource.TestStep {
		return resource.TestStep{
			Config: fmt.Sprintf(`provider "ica" {}

resource "ica_storage_configuration" "x" {
  name          = %q
  credential_id = %q
  region_id     = %q
  bucket        = %q
%s
}
`, name, cred, regionID, bucket, extra),
			PlanOnly:    true,
			ExpectError: errRE(want),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			step("ab", region, "bucket", "", `"ab" is 2 characters long; ICA allows 3 to 15`),
			step("Data", region, "bucket", "", `configuration name "Data" is not valid`),
			step("data-", region, "bucket", "", `configuration name "data-" is not valid`),
			step("data", "us", "bucket", "", `"us" is not a UUID`),
			step("data", region, "Bad_Bucket", "", `bucket name "Bad_Bucket" is not valid`),
			step("data", region, "bucket", `prefix = "/ica"`, `starts with "/"`),
			step("data", region, "bucket", `prefix = "./ica"`, `prefix "./ica" contains the folder "."`),
			step("data", region, "bucket", `prefix = "a//b"`, `empty folder name`),
			step("data", region, "bucket", `prefix = "a/../b"`, `contains the folder ".."`),
			step("data", region, "bucket", `sse_algorithm = "DES"`, `value must be one of`),
			step("data", region, "bucket", `sse_algorithm = "AES256"
  sse_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/abc"`, `sse_kms_key_arn is only used with sse_algorithm = "aws:kms"`),
			step("data", region, "bucket", `sse_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/abc"`,
				`only used with sse_algorithm = "aws:kms" \(it is not set\)`),
			step("data", region, "bucket", `sse_algorithm = "aws:kms"
  sse_kms_key_arn = "my-key"`, `"my-key" is not a KMS key ARN`),
		},
	})
}

func TestAccStorageConfiguration_importInvalidID(t *testing.T) {
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(emu, nil) + `
resource "ica_storage_configuration" "test" {
  name          = "data"
  credential_id = "0f8fad5b-d9cb-469f-a165-70867728950e"
  region_id     = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
  bucket        = "bucket"
}
`,
			ResourceName:  scAddr,
			ImportState:   true,
			ImportStateId: "name:data",
			ExpectError:   errRE(`"name:data" is not a storage configuration UUID`),
		}},
	})
}

// ICA's monitoring turns a configuration ERROR when its key is deleted: refresh shows the new status, and
// after the key is replaced, changing revalidate_trigger validates it again and it settles OK.
func TestAccStorageConfiguration_revalidateAfterError(t *testing.T) {
	moto := acctest.NewMoto(t, acctest.MotoOptions{EnforceIAM: true})
	ctx := context.Background()
	user := acctest.RandomName("tf-sc-user")
	if _, err := moto.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		t.Fatal(err)
	}
	if _, err := moto.IAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{
		UserName:       aws.String(user),
		PolicyName:     aws.String("s3"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`),
	}); err != nil {
		t.Fatal(err)
	}
	newKey := func() (string, string) {
		k, err := moto.IAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)
	}
	// IAM allows two keys per user: the second replaces the first once that is deleted.
	key1, secret1 := newKey()
	key2, secret2 := newKey()
	f := newStorageFixture(t, moto, key1, secret1, 200*time.Millisecond)
	client := icaClient(t, f.emu)
	name := acctest.RandomName("sc")
	var id string

	// config renders the credential with the given key, the configuration with the given trigger. No prefix:
	// moto's IAM-enforcing signature check rejects ListObjectsV2 with a "/" in the prefix (SignatureDoesNotMatch).
	config := func(keyID, secret, trigger string) string {
		return acctest.ProviderConfig(f.emu, nil) + fmt.Sprintf(`
data "ica_region" "here" {
  aws_region = %q
}

resource "ica_secret_credential" "c" {
  name              = "tf-revalidate"
  access_key_id     = %q
  secret_access_key = %q
}

resource "ica_storage_configuration" "test" {
  name               = %q
  credential_id      = ica_secret_credential.c.id
  region_id          = data.ica_region.here.id
  bucket             = %q
  revalidate_trigger = %q
}
`, moto.Region, keyID, secret, name, f.bucket, trigger)
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: config(key1, secret1, "1"),
				Check: resource.ComposeAggregateTestCheckFunc(
					captureAttr(scAddr, "id", &id),
					resource.TestCheckResourceAttr(scAddr, "status", "OK"),
				),
			},
			{
				// The key is deleted behind Terraform's back and ICA notices.
				PreConfig: func() {
					if _, err := moto.IAM.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(key1)}); err != nil {
						t.Fatal(err)
					}
					if err := client.ValidateStorageConfiguration(ctx, id); err != nil {
						t.Fatal(err)
					}
					waitForStatus(t, client, id, ica.StatusError)
				},
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(scAddr, "status", "ERROR"),
					resource.TestCheckResourceAttrSet(scAddr, "error_message"),
				),
			},
			{
				// A new key in the credential and a new trigger: validated again, OK, in place.
				Config: config(key2, secret2, "2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(scAddr, "id", &id),
					resource.TestCheckResourceAttr(scAddr, "status", "OK"),
					resource.TestCheckNoResourceAttr(scAddr, "error_message"),
				),
			},
		},
	})
}

func waitForStatus(t *testing.T, c *ica.Client, id, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		sc, err := c.GetStorageConfiguration(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("storage configuration %s is %s, want %s", id, sc.Status, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A configuration made outside Terraform is imported by UUID with an import block. With either spelling of
// the prefix ("ica/" as ICA stores it, or "ica") the plan is empty.
func TestAccStorageConfiguration_importBlock(t *testing.T) {
	moto := acctest.SharedMoto(t)
	f := newStorageFixture(t, moto, "AKIAIOSFODNN7EXAMPLE", "moto-accepts-any", 200*time.Millisecond)
	ctx := context.Background()
	client := icaClient(t, f.emu)
	cred, err := client.CreateStorageCredential(ctx, ica.CreateStorageCredential{
		Name: acctest.RandomName("tf-sc-cred"), Type: ica.CredentialTypeAWSUser,
		AWSCredentials: &ica.AWSCredentials{AccessKeyID: f.keyID, SecretAccessKey: f.secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	var regionID string
	regions, err := client.ListRegions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range regions {
		if r.Country.Code == "US" {
			regionID = r.ID
		}
	}
	name := acctest.RandomName("sc")
	prefix := "ica/"
	sc, err := client.CreateStorageConfiguration(ctx, ica.CreateStorageConfiguration{
		Name: name, StorageCredentialID: cred.ID, Type: ica.StorageTypeAWSS3, RegionID: regionID,
		AWSDetails: &ica.AWSDetails{BucketName: f.bucket, KeyPrefix: &prefix},
	})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); sc.Status != ica.StatusOK; time.Sleep(100 * time.Millisecond) {
		if sc, err = client.GetStorageConfiguration(ctx, sc.ID); err != nil || time.Now().After(deadline) {
			t.Fatalf("configuration %s did not settle OK: %+v, %v", name, sc, err)
		}
	}
	config := func(prefix string, withImport bool) string {
		cfg := acctest.ProviderConfig(f.emu, nil) + fmt.Sprintf(`
resource "ica_storage_configuration" "test" {
  name          = %q
  credential_id = %q
  region_id     = %q
  bucket        = %q
  prefix        = %q
}
`, name, cred.ID, regionID, f.bucket, prefix)
		if withImport {
			cfg += fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", scAddr, sc.ID)
		}
		return cfg
	}
	log := &writeLog{e: f.emu}
	log.next(t)

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: config("ica/", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scAddr, plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(scAddr, tfjsonpath.New("id"), knownvalue.StringExact(sc.ID)),
					statecheck.ExpectKnownValue(scAddr, tfjsonpath.New("status"), knownvalue.StringExact("OK")),
					statecheck.ExpectKnownValue(scAddr, tfjsonpath.New("credential_id"), knownvalue.StringExact(cred.ID)),
				},
				Check: log.expectWrites(t),
			},
			{
				PreConfig: func() { log.next(t) },
				Config:    config("ica", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: log.expectWrites(t),
			},
		},
	})
}
