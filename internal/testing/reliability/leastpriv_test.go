package reliability

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// TestLeastPrivilege creates a connection on a moto that enforces IAM, then acts as ICA would with a key of
// the connection's IAM user (a second key made by the admin: the provider's own key goes only to ICA, and
// both keys carry the user's permissions). Everything ICA needs under the prefix must be allowed; object
// actions outside the prefix, on another bucket, and IAM calls must be denied.
func TestLeastPrivilege(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	admin := acctest.NewMoto(t, acctest.MotoOptions{EnforceIAM: true})
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	bucket := acctest.RandomName("lp-")
	other := acctest.RandomName("lp-other-")
	createBucket(t, admin, bucket, "")
	createBucket(t, admin, other, "")

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(emu, admin) + fmt.Sprintf(`
resource "ica_s3_connection" "c" {
  bucket = %q
  prefix = "ica/run"
}
`, bucket),
			Check: func(s *terraform.State) error {
				rs, ok := s.RootModule().Resources["ica_s3_connection.c"]
				if !ok {
					return fmt.Errorf("ica_s3_connection.c is not in state")
				}
				checkPermissions(t, admin, rs.Primary.Attributes["iam_user_name"], bucket, other)
				return nil
			},
		}},
	})
}

func checkPermissions(t *testing.T, admin *acctest.Moto, user, bucket, other string) {
	ctx := context.Background()
	key, err := admin.IAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatalf("admin CreateAccessKey for %s: %v", user, err)
	}
	k := admin.WithCredentials(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))
	// The extra key must not outlive the check: destroy must find only the provider's key to delete.
	defer func() {
		_, err := admin.IAM.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(user), AccessKeyId: key.AccessKey.AccessKeyId})
		if err != nil {
			t.Errorf("deleting the test's extra key of %s: %v", user, err)
		}
	}()

	put := func(b, k2 string, class s3types.StorageClass) func() error {
		return func() error {
			_, err := k.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k2), Body: bytes.NewReader([]byte("x")), StorageClass: class})
			return err
		}
	}
	get := func(b, k2 string) func() error {
		return func() error {
			_, err := k.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(k2)})
			return err
		}
	}
	del := func(b, k2 string) func() error {
		return func() error {
			_, err := k.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String(k2)})
			return err
		}
	}
	list := func(b, prefix string) func() error {
		return func() error {
			_, err := k.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), Prefix: aws.String(prefix)})
			return err
		}
	}
	// Objects the admin puts outside the prefix and in the other bucket, so a denied read is not a 404.
	for _, o := range []struct{ b, k string }{{bucket, "outside/file.txt"}, {other, "ica/run/file.txt"}} {
		if _, err := admin.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(o.b), Key: aws.String(o.k), Body: bytes.NewReader([]byte("y"))}); err != nil {
			t.Fatalf("admin PutObject %s/%s: %v", o.b, o.k, err)
		}
	}

	allowed := []struct {
		name string
		call func() error
	}{
		{"PutObject under the prefix", put(bucket, "ica/run/a.txt", "")},
		{"GetObject under the prefix", get(bucket, "ica/run/a.txt")},
		// moto miscomputes SigV4 for a query value with an encoded "/", so the listing narrows by "ica"
		// (ListBucket is granted on the whole bucket in any case, as documented).
		{"ListObjectsV2 narrowed to the prefix", list(bucket, "ica")},
		{"ListObjectsV2 of the whole bucket (listing is bucket-wide, as documented)", list(bucket, "")},
		{"PutObject (GLACIER) under the prefix", put(bucket, "ica/run/cold.txt", s3types.StorageClassGlacier)},
		{"RestoreObject under the prefix", func() error {
			_, err := k.S3.RestoreObject(ctx, &s3.RestoreObjectInput{Bucket: aws.String(bucket), Key: aws.String("ica/run/cold.txt"),
				RestoreRequest: &s3types.RestoreRequest{Days: aws.Int32(1)}})
			return err
		}},
		{"DeleteObject under the prefix", del(bucket, "ica/run/a.txt")},
		{"GetBucketNotificationConfiguration", func() error {
			_, err := k.S3.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String(bucket)})
			return err
		}},
		{"PutBucketNotificationConfiguration", func() error {
			_, err := k.S3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String(bucket),
				NotificationConfiguration: &s3types.NotificationConfiguration{}})
			return err
		}},
		{"GetBucketLocation", func() error {
			_, err := k.S3.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
			return err
		}},
		{"GetFederationToken", func() error {
			_, err := k.STS.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("ica-session")})
			return err
		}},
	}
	for _, c := range allowed {
		if err := c.call(); err != nil {
			t.Errorf("%s: want allowed, got %v", c.name, err)
		}
	}

	denied := []struct {
		name string
		call func() error
	}{
		{"PutObject outside the prefix", put(bucket, "outside/b.txt", "")},
		{"PutObject in a sibling folder sharing the prefix's first segment", put(bucket, "ica/other/b.txt", "")},
		{"GetObject outside the prefix", get(bucket, "outside/file.txt")},
		{"DeleteObject outside the prefix", del(bucket, "outside/file.txt")},
		{"PutObject in another bucket", put(other, "ica/run/b.txt", "")},
		{"GetObject in another bucket", get(other, "ica/run/file.txt")},
		{"ListObjectsV2 of another bucket", list(other, "")},
		{"iam:ListUsers", func() error {
			_, err := k.IAM.ListUsers(ctx, &iam.ListUsersInput{})
			return err
		}},
		{"iam:CreateAccessKey (privilege escalation)", func() error {
			_, err := k.IAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
			return err
		}},
	}
	for _, c := range denied {
		err := c.call()
		if code := apiErrorCode(err); !strings.Contains(code, "AccessDenied") {
			t.Errorf("%s: want AccessDenied, got %v", c.name, err)
		}
	}
}
