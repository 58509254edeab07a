package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

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

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// connAttrs captures the resource's attributes after a step, for the next step's PreConfig.
type connAttrs map[string]string

func (a connAttrs) capture(s *terraform.State) error {
	rs, ok := s.RootModule().Resources[connRes]
	if !ok {
		return fmt.Errorf("%s not in state", connRes)
	}
	for k, v := range rs.Primary.Attributes {
		a[k] = v
	}
	return nil
}

// TestAccS3Connection_drift: each part is changed outside Terraform; the plan shows it and the apply
// repairs exactly that part.
func TestAccS3Connection_drift(t *testing.T) {
	env := newConnEnv(t)
	user := acctest.RandomName("u")
	cfg := env.config(fmt.Sprintf("  prefix = \"data\"\n  iam_user_name = %q\n  tags = { team = \"genomics\" }\n", user))
	attrs := connAttrs{}
	ctx := context.Background()
	ourRule := func() s3types.CORSRule {
		r := policy.ICARule("ica-tf-"+user, nil)
		return s3types.CORSRule{ID: aws.String(r.ID), AllowedHeaders: r.AllowedHeaders, AllowedMethods: r.AllowedMethods, AllowedOrigins: r.AllowedOrigins, ExposeHeaders: r.ExposeHeaders}
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	// repaired is one drift step: the drift, what the plan must show, and the check after the repair.
	repaired := func(name string, drift func(), planned ...plancheck.PlanCheck) resource.TestStep {
		return resource.TestStep{
			PreConfig: func() { t.Logf("drift: %s", name); drift() },
			Config:    cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append([]plancheck.PlanCheck{
				plancheck.ExpectResourceAction(connRes, plancheck.ResourceActionUpdate),
			}, planned...)},
			Check: resource.ComposeAggregateTestCheckFunc(env.checkConverged(t, connRes), attrs.capture),
		}
	}
	keyBefore := ""
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{user}, nil),
		Steps: []resource.TestStep{
			{Config: cfg, Check: resource.ComposeAggregateTestCheckFunc(env.checkConverged(t, connRes), attrs.capture)},
			repaired("CORS rule removed", func() { env.putCORS(t, []s3types.CORSRule{connForeignRule}) },
				// State says null (rule missing); the plan puts our rule back under its ID.
				plancheck.ExpectKnownValue(connRes, tfjsonpath.New("cors_rule_id"), knownvalue.StringExact("ica-tf-"+user))),
			repaired("CORS rule edited", func() {
				r := ourRule()
				r.AllowedMethods = []string{"GET"}
				env.putCORS(t, []s3types.CORSRule{connForeignRule, r})
			}),
			// A foreign rule added later is not drift; our rule edited at the same time is (checkCORS
			// counts only the rule with our ID and "website", so it fails unless the extra rule is ID-less
			// and left alone: the next step checks it survived).
			repaired("foreign rule added and our rule edited", func() {
				r := ourRule()
				r.MaxAgeSeconds = aws.Int32(3000)
				extra := s3types.CORSRule{AllowedMethods: []string{"PUT"}, AllowedOrigins: []string{"https://other.example"}}
				env.putCORS(t, []s3types.CORSRule{connForeignRule, r, extra})
			}),
			{
				// The extra foreign rule from the previous step stays: remove it by hand, our rule is untouched.
				PreConfig: func() {
					rules := env.cors(t)
					if len(rules) != 3 {
						t.Fatalf("the later foreign rule did not survive the repair: %d rules", len(rules))
					}
					env.putCORS(t, []s3types.CORSRule{rules[0], rules[1]})
				},
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			repaired("policy edited (new default version)", func() {
				_, err := env.iam().CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{
					PolicyArn: aws.String(attrs["iam_policy_arn"]), SetAsDefault: true,
					PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`),
				})
				must(err)
			}, plancheck.ExpectKnownValue(connRes, tfjsonpath.New("policy_json"),
				knownvalue.StringExact(policy.Build(policy.Options{Bucket: env.bucket, Prefix: "data/"}).JSON()))),
			repaired("policy detached", func() {
				_, err := env.iam().DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String(user), PolicyArn: aws.String(attrs["iam_policy_arn"])})
				must(err)
			}),
			repaired("key deleted", func() {
				keyBefore = attrs["access_key_id"]
				_, err := env.iam().DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(keyBefore)})
				must(err)
			}, plancheck.ExpectUnknownValue(connRes, tfjsonpath.New("access_key_id"))),
			repaired("key deactivated", func() {
				_, err := env.iam().UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(attrs["access_key_id"]), Status: "Inactive"})
				must(err)
			}, plancheck.ExpectUnknownValue(connRes, tfjsonpath.New("access_key_id"))),
			repaired("user deleted", func() {
				for _, k := range env.keys(t, user) {
					_, err := env.iam().DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(user), AccessKeyId: k.AccessKeyId})
					must(err)
				}
				_, err := env.iam().DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String(user), PolicyArn: aws.String(attrs["iam_policy_arn"])})
				must(err)
				_, err = env.iam().DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(user)})
				must(err)
			}, plancheck.ExpectUnknownValue(connRes, tfjsonpath.New("iam_user_arn"))),
			repaired("user tags changed (one edited, one added)", func() {
				_, err := env.iam().TagUser(ctx, &iam.TagUserInput{UserName: aws.String(user), Tags: []iamtypes.Tag{
					{Key: aws.String("team"), Value: aws.String("someone-else")}, {Key: aws.String("added-by-hand"), Value: aws.String("x")},
				}})
				must(err)
			}, plancheck.ExpectKnownValue(connRes, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
				"team": knownvalue.StringExact("genomics"),
			}))),
			repaired("user tag removed", func() {
				_, err := env.iam().UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String(user), TagKeys: []string{"team"}})
				must(err)
			}),
			repaired("credential deleted in ICA", func() { env.emu.DeleteCredential(t, attrs["credential_id"]) },
				plancheck.ExpectUnknownValue(connRes, tfjsonpath.New("credential_id"))),
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            env.checkNoSecret(t),
			},
		},
	})
}

// TestAccS3Connection_rotation: a new rotation_trigger replaces the key with no gap: the key id
// changes, exactly one key remains, ICA got exactly one :updateSecrets.
func TestAccS3Connection_rotation(t *testing.T) {
	env := newConnEnv(t)
	user := acctest.RandomName("u")
	keyID := statecheck.CompareValue(compare.ValuesDiffer())
	updates := 0
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{user}, nil),
		Steps: []resource.TestStep{
			{
				Config:            env.config(fmt.Sprintf("  prefix = \"r\"\n  iam_user_name = %q\n  rotation_trigger = \"2026-01\"\n", user)),
				ConfigStateChecks: []statecheck.StateCheck{keyID.AddStateValue(connRes, tfjsonpath.New("access_key_id"))},
				Check: func(*terraform.State) error {
					updates = env.emulatorCount(t, "POST", ":updateSecrets")
					return nil
				},
			},
			{
				Config: env.config(fmt.Sprintf("  prefix = \"r\"\n  iam_user_name = %q\n  rotation_trigger = \"2026-02\"\n", user)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(connRes, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(connRes, tfjsonpath.New("access_key_id")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{keyID.AddStateValue(connRes, tfjsonpath.New("access_key_id"))},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkConverged(t, connRes),
					env.checkNoSecret(t),
					func(*terraform.State) error {
						if n := env.emulatorCount(t, "POST", ":updateSecrets") - updates; n != 1 {
							return fmt.Errorf("want exactly one :updateSecrets for the rotation, got %d", n)
						}
						if n := env.emulatorCount(t, "POST", "/api/storageCredentials"); n != 1 {
							return fmt.Errorf("want the credential created once, got %d", n)
						}
						return nil
					},
				),
			},
		},
	})
}

// TestAccS3Connection_rotationEnforcedIAM: against a moto that enforces IAM, ICA validates a storage
// configuration with the key it holds before and after a rotation: the key ICA holds works at every step,
// and the policy grants what ICA's validation needs. (The storage configuration has no prefix: moto 5.2.1
// under IAM enforcement miscomputes signatures of ListObjectsV2 with "/" in the prefix parameter.)
func TestAccS3Connection_rotationEnforcedIAM(t *testing.T) {
	m := acctest.NewMoto(t, acctest.MotoOptions{EnforceIAM: true})
	emu := acctest.NewEmulator(t, icaemulator.Options{APIKey: "test-api-key", AWSEndpoint: m.Endpoint, ValidationDelay: 200 * time.Millisecond})
	env := &connEnv{moto: m, emu: emu, bucket: acctest.RandomName("enf")}
	if _, err := m.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(env.bucket)}); err != nil {
		t.Fatal(err)
	}
	env.putCORS(t, []s3types.CORSRule{connForeignRule})
	user := acctest.RandomName("u")
	scName := acctest.RandomName("sc")
	cfg := func(trigger string) string {
		return env.providerConfig() + fmt.Sprintf(`
data "ica_region" "us" {
  name = "United States"
}
resource "ica_s3_connection" "test" {
  bucket           = %[1]q
  prefix           = "ica"
  iam_user_name    = %[2]q
  ica_region       = "United States"
  rotation_trigger = %[3]q
}
resource "ica_storage_configuration" "test" {
  name               = %[4]q
  credential_id      = ica_s3_connection.test.credential_id
  region_id          = data.ica_region.us.id
  bucket             = %[1]q
  revalidate_trigger = ica_s3_connection.test.access_key_id
}
`, env.bucket, user, trigger, scName)
	}
	keyID := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{user}, nil),
		Steps: []resource.TestStep{
			{
				Config: cfg("1"),
				ConfigStateChecks: []statecheck.StateCheck{
					keyID.AddStateValue(connRes, tfjsonpath.New("access_key_id")),
					statecheck.ExpectKnownValue("ica_storage_configuration.test", tfjsonpath.New("status"), knownvalue.StringExact("OK")),
				},
				Check: env.checkConverged(t, connRes),
			},
			{
				Config: cfg("2"),
				ConfigStateChecks: []statecheck.StateCheck{
					keyID.AddStateValue(connRes, tfjsonpath.New("access_key_id")),
					statecheck.ExpectKnownValue("ica_storage_configuration.test", tfjsonpath.New("status"), knownvalue.StringExact("OK")),
				},
				Check: env.checkConverged(t, connRes),
			},
		},
	})
}

// TestAccS3Connection_rotationInterrupted: ICA refuses :updateSecrets mid-rotation, so the new key is
// left behind; the apply fails naming the step, and the next apply finishes the rotation (exactly one
// key, which ICA holds).
func TestAccS3Connection_rotationInterrupted(t *testing.T) {
	env := newConnEnv(t)
	user := acctest.RandomName("u")
	cfg := func(trigger string) string {
		return env.config(fmt.Sprintf("  prefix = \"r\"\n  iam_user_name = %q\n  rotation_trigger = %q\n", user, trigger))
	}
	keyID := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             env.checkDestroyed(t, []string{user}, nil),
		Steps: []resource.TestStep{
			{
				Config:            cfg("1"),
				ConfigStateChecks: []statecheck.StateCheck{keyID.AddStateValue(connRes, tfjsonpath.New("access_key_id"))},
			},
			{
				PreConfig: func() {
					env.emu.InjectFault(t, acctest.Fault{Method: "POST", Path: "/api/storageCredentials/*", Status: 503, Count: 100})
				},
				Config:      cfg("2"),
				ExpectError: regexp.MustCompile(`(?s)sending\s+the\s+new\s+access\s+key\s+to\s+ICA`),
			},
			{
				PreConfig: func() {
					env.emu.ClearFaults(t)
					if n := len(env.keys(t, user)); n != 2 {
						t.Fatalf("the interrupted rotation should leave 2 keys, found %d", n)
					}
				},
				Config:            cfg("2"),
				ConfigStateChecks: []statecheck.StateCheck{keyID.AddStateValue(connRes, tfjsonpath.New("access_key_id"))},
				Check:             resource.ComposeAggregateTestCheckFunc(env.checkConverged(t, connRes), env.checkNoSecret(t)),
			},
			{
				Config:           cfg("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}
