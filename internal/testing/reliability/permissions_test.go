package reliability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// permissionsFile is the AWS policy the documentation tells users to give the identity Terraform runs as.
var permissionsFile = filepath.Join("..", "..", "..", "examples", "provider", "aws-permissions.json")

// motoEvaluable returns the document with the Resource of its IAM statements set to "*": moto checks IAM
// actions against the resource "*" only (it does not know which user or policy an IAM call is about), so
// it would refuse every scoped IAM statement. The action lists, which this test is about, stay as written;
// the S3 statement's bucket ARNs are evaluated by moto as documented.
func motoEvaluable(t *testing.T, doc []byte) string {
	t.Helper()
	var d struct {
		Version   string           `json:"Version"`
		Statement []map[string]any `json:"Statement"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatalf("%s: %v", permissionsFile, err)
	}
	for _, st := range d.Statement {
		actions, _ := st["Action"].([]any)
		iamOnly := len(actions) > 0
		for _, a := range actions {
			if s, _ := a.(string); !strings.HasPrefix(s, "iam:") {
				iamOnly = false
			}
		}
		if iamOnly {
			st["Resource"] = "*"
		}
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestProviderPermissions runs a connection's whole life cycle (create, update of prefix and tags, rotation,
// import, destroy) as an IAM user that holds exactly the documented policy, on a moto that enforces IAM.
// A call the document forgets fails with AccessDenied; the documented list is therefore complete.
func TestProviderPermissions(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	doc, err := os.ReadFile(permissionsFile)
	if err != nil {
		t.Fatal(err)
	}
	admin := acctest.NewMoto(t, acctest.MotoOptions{EnforceIAM: true})
	ctx := context.Background()
	runnerName := acctest.RandomName("tf-runner-")
	// AWS accepts the document as it is written.
	if _, err := admin.IAM.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(runnerName + "-as-documented"), PolicyDocument: aws.String(string(doc))}); err != nil {
		t.Fatalf("the documented policy is not a valid IAM policy: %v", err)
	}
	p, err := admin.IAM.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(runnerName), PolicyDocument: aws.String(motoEvaluable(t, doc))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(runnerName)}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.IAM.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(runnerName), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	k, err := admin.IAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(runnerName)})
	if err != nil {
		t.Fatal(err)
	}
	runner := admin.WithCredentials(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))
	// The runner's key really is limited: an action the document does not grant is refused.
	_, err = runner.IAM.ListRoles(ctx, &iam.ListRolesInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDenied" {
		t.Fatalf("ListRoles with the runner's key: want AccessDenied (moto must enforce IAM), got %v", err)
	}

	bucket := acctest.RandomName("perm-")
	createBucket(t, admin, bucket, "")
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	const res = "ica_s3_connection.c"
	cfg := func(prefix, team, trigger string) string {
		return acctest.ProviderConfig(emu, runner) + fmt.Sprintf(`
resource "ica_s3_connection" "c" {
  bucket           = %q
  prefix           = %q
  tags             = { team = %q }
  rotation_trigger = %q
}
`, bucket, prefix, team, trigger)
	}
	var user, policyARN string
	record := func(s *terraform.State) error {
		a := s.RootModule().Resources[res].Primary.Attributes
		user, policyARN = a["iam_user_name"], a["iam_policy_arn"]
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy: func(*terraform.State) error {
			if _, err := admin.IAM.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(user)}); err == nil {
				return fmt.Errorf("IAM user %s is still there", user)
			}
			if _, err := admin.IAM.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(policyARN)}); err == nil {
				return fmt.Errorf("IAM policy %s is still there", policyARN)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: cfg("ica/", "a", "1"), Check: record},
			{Config: cfg("ica/runs/", "b", "1")}, // a new policy version and new tags
			{Config: cfg("ica/runs/", "b", "2")}, // rotation
			{
				Config: cfg("ica/runs/", "b", "2"), ResourceName: res, ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					a := s.RootModule().Resources[res].Primary.Attributes
					return bucket + ":" + a["iam_user_name"] + ":" + a["credential_id"], nil
				},
				// Configuration-only settings: no AWS or ICA object records them.
				ImportStateVerifyIgnore: []string{"rotation_trigger"},
			},
		},
	})
}
