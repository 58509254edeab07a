package reliability

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/awsproxy"
)

// TestOwnershipWarning: a plan on a bucket without bucket-owner enforced ownership (moto's default, and
// AWS's before 2023) warns, naming the bucket, what breaks and the fix; on an enforced bucket it does not.
// The warning text is only visible in Terraform's own output, hence the CLI.
func TestOwnershipWarning(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	m := acctest.SharedMoto(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	legacy, enforced := acctest.RandomName("own-acl-"), acctest.RandomName("own-enf-")
	if _, err := m.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(legacy)}); err != nil {
		t.Fatal(err)
	}
	createBucket(t, m, enforced, "")
	d := newTFDir(t, false)
	d.write(acctest.ProviderConfig(emu, m) + fmt.Sprintf(`
resource "ica_s3_connection" "legacy" {
  bucket = %q
}
resource "ica_s3_connection" "enforced" {
  bucket = %q
}
`, legacy, enforced))
	out := d.must("plan", "-no-color", "-input=false")
	const summary = "Bucket does not enforce bucket-owner object ownership"
	if n := strings.Count(out, summary); n != 1 {
		t.Fatalf("want the ownership warning once (for %s only), got %d:\n%s", legacy, n, out)
	}
	warning := out[strings.Index(out, summary):]
	for _, want := range []string{legacy, "copy and move", "403", "BucketOwnerEnforced", "put-bucket-ownership-controls"} {
		if !strings.Contains(strings.Join(strings.Fields(warning), " "), want) {
			t.Errorf("the ownership warning lacks %q:\n%s", want, warning)
		}
	}
	if strings.Contains(out, enforced+`" has`) {
		t.Errorf("the enforced bucket %s was warned about:\n%s", enforced, out)
	}
	if len(emu.Credentials(t)) != 0 {
		t.Error("a plan created an ICA credential")
	}
}

// probeCalls are the operations the provider made with key (the connection's own key), in order,
// without the key-propagation probe.
func probeCalls(p *awsproxy.Proxy, key string) []string {
	var out []string
	for _, r := range p.Log() {
		if r.Op.AccessKeyID == key && r.Op.String() != "sts:GetCallerIdentity" {
			out = append(out, r.Op.String())
		}
	}
	return out
}

// noProbeLeft fails when any object, version or delete marker of a probe is in the bucket.
func noProbeLeft(t *testing.T, m *acctest.Moto, bucket string) error {
	out, err := m.S3.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	if err != nil {
		return err
	}
	for _, v := range out.Versions {
		if strings.Contains(aws.ToString(v.Key), connection.ProbeMarker) {
			return fmt.Errorf("probe version left: %s %s", aws.ToString(v.Key), aws.ToString(v.VersionId))
		}
	}
	for _, d := range out.DeleteMarkers {
		if strings.Contains(aws.ToString(d.Key), connection.ProbeMarker) {
			return fmt.Errorf("probe delete marker left: %s", aws.ToString(d.Key))
		}
	}
	return nil
}

// TestAccessSelfTestRunsWithTheNewKey: create makes exactly the documented probe calls with the new key
// (List, Put, Get, Delete, federation token), rotation only List, Get, federation token; nothing of the
// probe stays, in an unversioned and a versioned bucket.
func TestAccessSelfTestRunsWithTheNewKey(t *testing.T) {
	requireAcc(t)
	for _, versioned := range []bool{false, true} {
		t.Run(fmt.Sprintf("versioned=%v", versioned), func(t *testing.T) {
			t.Parallel()
			m := acctest.SharedMoto(t)
			bucket := acctest.RandomName("probe-")
			createBucket(t, m, bucket, "")
			if versioned {
				if _, err := m.S3.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
					VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
					t.Fatal(err)
				}
			}
			front := newAWSFront(t, m)
			emu := acctest.NewEmulator(t, icaemulator.Options{})
			cfg := func(trigger string) string {
				return front.providerConfig(emu) + fmt.Sprintf("resource \"ica_s3_connection\" \"c\" {\n  bucket = %q\n  prefix = \"ica\"\n  rotation_trigger = %q\n}\n", bucket, trigger)
			}
			var key string
			deleteOp := "s3:DeleteObject"
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{
					{
						Config: cfg("1"),
						Check: func(s *terraform.State) error {
							key = s.RootModule().Resources["ica_s3_connection.c"].Primary.Attributes["access_key_id"]
							want := []string{"s3:ListObjectsV2", "s3:PutObject", "s3:GetObject", deleteOp, "sts:GetFederationToken"}
							if got := probeCalls(front.Proxy, key); strings.Join(got, " ") != strings.Join(want, " ") {
								return fmt.Errorf("create's self-test with key %s: %v, want %v", key, got, want)
							}
							return noProbeLeft(t, m, bucket)
						},
					},
					{
						Config: cfg("2"),
						Check: func(s *terraform.State) error {
							key = s.RootModule().Resources["ica_s3_connection.c"].Primary.Attributes["access_key_id"]
							want := []string{"s3:ListObjectsV2", "s3:GetObject", "sts:GetFederationToken"}
							if got := probeCalls(front.Proxy, key); strings.Join(got, " ") != strings.Join(want, " ") {
								return fmt.Errorf("rotation's self-test with key %s: %v, want %v", key, got, want)
							}
							return noProbeLeft(t, m, bucket)
						},
					},
				},
			})
		})
	}
}

// denyNewKeys answers op with AccessDenied for every key moto creates (not the provider's own "test").
func denyNewKeys(t *testing.T, p *awsproxy.Proxy, op string) *awsproxy.Rule {
	t.Helper()
	service, operation, _ := strings.Cut(op, ":")
	r, err := p.AddFault(awsproxy.Fault{Service: service, Operation: operation, AccessKeyID: "AKIA*",
		Kind: awsproxy.KindError, Status: 403, Code: "AccessDenied", Message: "Access Denied"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAccessSelfTestDenials: AccessDenied on each probe call, for the new key only, fails the create
// naming the action with no ICA credential made and no probe left; and fails a rotation naming the
// action, with ICA and the state keeping the old key.
func TestAccessSelfTestDenials(t *testing.T) {
	requireAcc(t)
	t.Setenv("ICA_VERIFY_ACCESS_RETRY_WINDOW", "1s")
	m := acctest.SharedMoto(t)
	bucket := acctest.RandomName("deny-")
	createBucket(t, m, bucket, "")
	front := newAWSFront(t, m)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	action := map[string]string{
		"s3:ListObjectsV2": "s3:ListBucket", "s3:PutObject": "s3:PutObject", "s3:GetObject": "s3:GetObject",
		"s3:DeleteObject": "s3:DeleteObject", "sts:GetFederationToken": "sts:GetFederationToken",
	}
	expect := func(op string) *regexp.Regexp {
		return regexp.MustCompile(`(?s)access\s+self-test.*denied\s+` + regexp.QuoteMeta(action[op]) + `.*nothing\s+was\s+sent\s+to\s+ICA.*bucket\s+policy.*SCP.*permissions\s+boundary`)
	}
	for _, op := range []string{"s3:ListObjectsV2", "s3:PutObject", "s3:GetObject", "s3:DeleteObject", "sts:GetFederationToken"} {
		t.Run("create/"+op, func(t *testing.T) {
			user := acctest.RandomName("deny-u-")
			rule := denyNewKeys(t, front.Proxy, op)
			defer rule.Remove()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				Steps: []resource.TestStep{{
					Config:      front.providerConfig(emu) + fmt.Sprintf("resource \"ica_s3_connection\" \"c\" {\n  bucket = %q\n  prefix = \"ica\"\n  iam_user_name = %q\n}\n", bucket, user),
					ExpectError: expect(op),
				}},
				CheckDestroy: func(*terraform.State) error {
					for _, c := range emu.Credentials(t) {
						if strings.Contains(c.Name, user) || c.AccessKeyID != "" && strings.HasPrefix(c.Name, "ica-"+bucket) {
							return fmt.Errorf("a denied create made ICA credential %s", c.Name)
						}
					}
					return noProbeLeft(t, m, bucket)
				},
			})
			if rule.Fired() == 0 {
				t.Fatal("the fault never fired: the self-test did not call " + op)
			}
		})
	}

	user := acctest.RandomName("deny-rot-")
	cfg := func(trigger string) string {
		return front.providerConfig(emu) + fmt.Sprintf("resource \"ica_s3_connection\" \"c\" {\n  bucket = %q\n  prefix = \"ica\"\n  iam_user_name = %q\n  rotation_trigger = %q\n}\n", bucket, user, trigger)
	}
	var oldKey, credID string
	var rule *awsproxy.Rule
	keepsOldKey := func() {
		if rule != nil {
			rule.Remove()
		}
		for _, c := range emu.Credentials(t) {
			if c.ID == credID && c.AccessKeyID != oldKey {
				t.Errorf("ICA holds %s after a denied rotation, want the old key %s", c.AccessKeyID, oldKey)
			}
		}
		keys, err := m.IAM.ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String(user)})
		if err != nil || len(keys.AccessKeyMetadata) != 1 || aws.ToString(keys.AccessKeyMetadata[0].AccessKeyId) != oldKey {
			t.Errorf("after a denied rotation the user must keep only the old key %s: %+v %v", oldKey, keys, err)
		}
	}
	steps := []resource.TestStep{{
		Config: cfg("0"),
		Check: func(s *terraform.State) error {
			a := s.RootModule().Resources["ica_s3_connection.c"].Primary.Attributes
			oldKey, credID = a["access_key_id"], a["credential_id"]
			return nil
		},
	}}
	for i, op := range []string{"s3:ListObjectsV2", "s3:GetObject", "sts:GetFederationToken"} {
		steps = append(steps, resource.TestStep{
			PreConfig: func() {
				keepsOldKey()
				rule = denyNewKeys(t, front.Proxy, op)
			},
			Config:      cfg(fmt.Sprint(i + 1)),
			ExpectError: expect(op),
		})
	}
	steps = append(steps, resource.TestStep{
		PreConfig: keepsOldKey,
		Config:    cfg("0"),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("ica_s3_connection.c", tfjsonpath.New("access_key_id"), knownvalue.StringFunc(func(v string) error {
				if v != oldKey {
					return fmt.Errorf("state holds %s, want the old key %s", v, oldKey)
				}
				return nil
			})),
		},
	})
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: acctest.ProviderFactories(), Steps: steps})
}

// TestAccessSelfTestUnderObjectLock: in a bucket whose default retention keeps every version, the create
// succeeds and warns, naming the probe's version that Object Lock keeps (seen in Terraform's output).
func TestAccessSelfTestUnderObjectLock(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	m := acctest.SharedMoto(t)
	ctx := context.Background()
	bucket := acctest.RandomName("locked-")
	if _, err := m.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if err := acctest.EnforceBucketOwner(ctx, m, bucket); err != nil {
		t.Fatal(err)
	}
	if _, err := m.S3.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String(bucket),
		ObjectLockConfiguration: &s3types.ObjectLockConfiguration{ObjectLockEnabled: s3types.ObjectLockEnabledEnabled,
			Rule: &s3types.ObjectLockRule{DefaultRetention: &s3types.DefaultRetention{Mode: s3types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1)}}}}); err != nil {
		t.Fatal(err)
	}
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	d := newTFDir(t, false)
	d.write(acctest.ProviderConfig(emu, m) + fmt.Sprintf("resource \"ica_s3_connection\" \"c\" {\n  bucket = %q\n  prefix = \"ica\"\n}\n", bucket))
	out := strings.Join(strings.Fields(d.must("apply", "-auto-approve", "-no-color", "-input=false")), " ")
	for _, want := range []string{"Warning: Access self-test", "Object Lock", "ica/" + connection.ProbeMarker, "version"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply output lacks %q:\n%s", want, out)
		}
	}
	if len(emu.Credentials(t)) != 1 {
		t.Errorf("the connection was not created: %+v", emu.Credentials(t))
	}
	d.must("destroy", "-auto-approve", "-no-color", "-input=false")
}
