package reliability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
	// Through the proxy, which names every S3 and KMS operation the provider calls (checked below).
	front := newAWSFront(t, runner)
	t.Cleanup(func() { checkDocumentedActions(t, doc, front.Proxy.Counts()) })
	const res = "ica_s3_connection.c"
	cfg := func(prefix, team, trigger string) string {
		return front.providerConfig(emu) + fmt.Sprintf(`
resource "ica_s3_connection" "c" {
  bucket           = %q
  prefix           = %q
  tags             = { team = %q }
  rotation_trigger = %q
  # The self-test signs with the connection's key, not the runner's, and moto 5.2.1 under IAM enforcement
  # miscomputes the signature of a ListObjectsV2 with "/" in the prefix (TestAccS3Connection_rotationEnforcedIAM
  # runs the self-test under enforcement, without a prefix).
  verify_access    = false
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
				ImportStateVerifyIgnore: []string{"rotation_trigger", "verify_access"},
			},
		},
	})
}

// s3IAMActions maps each S3 and KMS operation the provider calls to the IAM action that authorises it
// (AWS's Service Authorization Reference; several operations share an action, and the names differ).
// moto's enforcement cannot prove these: it authorises GetBucketEncryption and GetBucketOwnershipControls as
// s3:ListBucket, so the mapping is checked against the documented policy instead.
var s3IAMActions = map[string]string{
	"s3:HeadBucket":                 "s3:ListBucket",
	"s3:GetBucketLocation":          "s3:GetBucketLocation",
	"s3:GetBucketVersioning":        "s3:GetBucketVersioning",
	"s3:GetBucketCors":              "s3:GetBucketCORS",
	"s3:PutBucketCors":              "s3:PutBucketCORS",
	"s3:DeleteBucketCors":           "s3:PutBucketCORS",
	"s3:GetBucketEncryption":        "s3:GetEncryptionConfiguration",
	"s3:GetBucketOwnershipControls": "s3:GetBucketOwnershipControls",
	"s3:GetBucketPolicy":            "s3:GetBucketPolicy",
	"s3:PutBucketPolicy":            "s3:PutBucketPolicy",
	"s3:DeleteBucketPolicy":         "s3:DeleteBucketPolicy",
	"kms:DescribeKey":               "kms:DescribeKey",
	"s3:DeleteObject":               "s3:DeleteObjectVersion", // the probe's version; s3:DeleteObject without one
	"s3:HeadObject":                 "s3:GetObjectVersion",    // of the probe's version (its lock headers need s3:GetObjectRetention)
}

// providerCalls are the S3 and KMS operations of internal/awsapi made by the identity Terraform runs as
// (the access self-test signs with the connection's own key and is covered by the connection's policy).
// A lifecycle may not reach them all (DescribeKey needs an SSE-KMS bucket), so they are listed too.
var providerCalls = []string{
	"s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:GetBucketCors", "s3:PutBucketCors", "s3:DeleteBucketCors",
	"s3:GetBucketEncryption", "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy", "s3:PutBucketPolicy",
	"s3:DeleteBucketPolicy", "kms:DescribeKey",
	// Only when the self-test's key could write its probe but not delete it, or Object Lock may keep it.
	"s3:DeleteObject", "s3:HeadObject",
}

// checkDocumentedActions finds the IAM action of every S3 and KMS operation called (and of every listed
// provider call) in the documented policy.
func checkDocumentedActions(t *testing.T, doc []byte, called map[string]int) {
	var d struct {
		Statement []struct {
			Action []string `json:"Action"`
		} `json:"Statement"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatalf("%s: %v", permissionsFile, err)
	}
	documented := map[string]bool{}
	for _, st := range d.Statement {
		for _, a := range st.Action {
			documented[strings.ToLower(a)] = true
		}
	}
	ops := append([]string{}, providerCalls...)
	for op := range called {
		if strings.HasPrefix(op, "s3:") || strings.HasPrefix(op, "kms:") {
			ops = append(ops, op)
		}
	}
	if len(called) == 0 {
		t.Error("the proxy saw no call: the provider did not go through it")
	}
	slices.Sort(ops)
	for _, op := range slices.Compact(ops) {
		action, ok := s3IAMActions[op]
		if !ok {
			t.Errorf("the provider calls %s, which s3IAMActions does not map to an IAM action: add it (and to %s)", op, permissionsFile)
			continue
		}
		if !documented[strings.ToLower(action)] {
			t.Errorf("the provider calls %s, authorised by %s, which %s does not list", op, action, permissionsFile)
		}
	}
}
