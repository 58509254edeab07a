package reliability

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
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
