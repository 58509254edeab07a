package reliability

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

func TestMain(m *testing.M) {
	// The provider reads these when its block leaves them out; a developer's real credentials must never
	// reach the emulator or change what a case expects (e.g. "missing credentials").
	for _, env := range []string{"ICA_API_KEY", "ICA_ACCESS_TOKEN", "ICA_BASE_URL", "ICA_TENANT"} {
		_ = os.Unsetenv(env)
	}
	// The tests mostly wait on terraform, moto and the emulator, so more of them than CPUs run well side by
	// side; an explicit -parallel wins.
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		_ = flag.Set("test.parallel", "4")
	}
	acctest.Main(m)
}

// requireAcc skips tests that run Terraform unless TF_ACC is set, like terraform-plugin-testing does, so
// `go test` without it stays a quick unit run.
func requireAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run Terraform (make testacc, make test-chaos)")
	}
	acctest.PreCheck(t)
}

// phrases builds a matcher that needs every phrase, case-insensitively, with any run of whitespace
// matching any other: Terraform wraps diagnostic text at its own width.
func phrases(ps ...string) []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(ps))
	for i, p := range ps {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		out[i] = regexp.MustCompile(`(?is)` + strings.Join(words, `\s+(?:│\s+)?`))
	}
	return out
}

// missing returns the phrases text lacks.
func missing(text string, want []*regexp.Regexp) []string {
	var out []string
	for _, re := range want {
		if !re.MatchString(text) {
			out = append(out, re.String())
		}
	}
	return out
}

// isWrite tells whether an emulator request could have changed ICA: anything but a read or the token
// exchange.
func isWrite(r acctest.EmulatorRequest) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return false
	}
	return !(r.Method == http.MethodPost && r.Path == "/api/tokens")
}

func writes(reqs []acctest.EmulatorRequest) []acctest.EmulatorRequest {
	var out []acctest.EmulatorRequest
	for _, r := range reqs {
		if isWrite(r) {
			out = append(out, r)
		}
	}
	return out
}

// awsObjects is what a scenario left in moto: IAM users (with their keys) and policies whose names contain
// the scenario's token, and the CORS rules on its buckets.
type awsObjects struct {
	Users     []string
	Keys      []string
	Policies  []string
	CORSRules map[string]int // bucket → number of rules
}

func (o awsObjects) empty() bool {
	n := 0
	for _, c := range o.CORSRules {
		n += c
	}
	return len(o.Users) == 0 && len(o.Keys) == 0 && len(o.Policies) == 0 && n == 0
}

func (o awsObjects) String() string {
	return fmt.Sprintf("users %v, access keys %v, policies %v, CORS rules per bucket %v", o.Users, o.Keys, o.Policies, o.CORSRules)
}

// scenarioObjects lists the scenario's objects in moto. Every name a scenario uses (explicit or derived from
// its bucket) contains its token, so parallel scenarios on the shared moto never see each other's objects.
func scenarioObjects(t testing.TB, m *acctest.Moto, token string, buckets ...string) awsObjects {
	t.Helper()
	ctx := context.Background()
	out := awsObjects{CORSRules: map[string]int{}}

	users := iam.NewListUsersPaginator(m.IAM, &iam.ListUsersInput{})
	for users.HasMorePages() {
		page, err := users.NextPage(ctx)
		if err != nil {
			t.Fatalf("listing IAM users on moto %s: %v", m.Endpoint, err)
		}
		for _, u := range page.Users {
			name := aws.ToString(u.UserName)
			if !strings.Contains(name, token) {
				continue
			}
			out.Users = append(out.Users, name)
			keys, err := m.IAM.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: u.UserName})
			if err != nil {
				t.Fatalf("listing the access keys of IAM user %s: %v", name, err)
			}
			for _, k := range keys.AccessKeyMetadata {
				out.Keys = append(out.Keys, aws.ToString(k.AccessKeyId))
			}
		}
	}

	policies := iam.NewListPoliciesPaginator(m.IAM, &iam.ListPoliciesInput{Scope: "Local"})
	for policies.HasMorePages() {
		page, err := policies.NextPage(ctx)
		if err != nil {
			t.Fatalf("listing IAM policies on moto %s: %v", m.Endpoint, err)
		}
		for _, p := range page.Policies {
			if name := aws.ToString(p.PolicyName); strings.Contains(name, token) {
				out.Policies = append(out.Policies, name)
			}
		}
	}

	for _, b := range buckets {
		out.CORSRules[b] = corsRuleCount(t, m, b)
	}
	sort.Strings(out.Users)
	sort.Strings(out.Keys)
	sort.Strings(out.Policies)
	return out
}

// corsRuleCount counts the CORS rules of a bucket; a bucket that does not exist has none.
func corsRuleCount(t testing.TB, m *acctest.Moto, bucket string) int {
	t.Helper()
	out, err := m.S3.GetBucketCors(context.Background(), &s3.GetBucketCorsInput{Bucket: aws.String(bucket)})
	if err != nil {
		if code := apiErrorCode(err); code == "NoSuchCORSConfiguration" || code == "NoSuchBucket" {
			return 0
		}
		t.Fatalf("GetBucketCors %s: %v", bucket, err)
	}
	return len(out.CORSRules)
}

func apiErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// createBucket makes a bucket on moto in region (empty: moto's default us-east-1).
func createBucket(t testing.TB, m *acctest.Moto, name, region string) {
	t.Helper()
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	var opts []func(*s3.Options)
	if region != "" && region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{
			LocationConstraint: s3types.BucketLocationConstraint(region),
		}
		opts = append(opts, func(o *s3.Options) { o.Region = region })
	}
	if _, err := m.S3.CreateBucket(context.Background(), in, opts...); err != nil {
		t.Fatalf("creating bucket %s (region %q) on moto %s: %v", name, region, m.Endpoint, err)
	}
	if err := acctest.EnforceBucketOwner(context.Background(), m, name, opts...); err != nil {
		t.Fatalf("enforcing bucket-owner object ownership on %s: %v", name, err)
	}
}
