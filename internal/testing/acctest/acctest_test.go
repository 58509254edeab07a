package acctest_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

func TestMain(m *testing.M) { acctest.Main(m) }

func TestMainSetsTerraformEnvironment(t *testing.T) {
	if os.Getenv("CHECKPOINT_DISABLE") != "1" {
		t.Errorf("CHECKPOINT_DISABLE = %q, want 1", os.Getenv("CHECKPOINT_DISABLE"))
	}
	cfg := os.Getenv("TF_CLI_CONFIG_FILE")
	if cfg == "" {
		t.Fatal("TF_CLI_CONFIG_FILE is not set")
	}
	if _, err := os.Stat(cfg); err != nil {
		t.Errorf("TF_CLI_CONFIG_FILE=%s: %v", cfg, err)
	}
	if path := os.Getenv("TF_ACC_TERRAFORM_PATH"); path != "" {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("TF_ACC_TERRAFORM_PATH=%s: %v", path, err)
		}
	}
}

// TestSmokeHarness proves the pieces work together: the shared moto server keeps a bucket, and the emulator
// records the requests it serves.
func TestSmokeHarness(t *testing.T) {
	ctx := context.Background()
	m := acctest.SharedMoto(t)

	bucket := acctest.RandomName("smoke-")
	if _, err := m.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket %s on %s: %v", bucket, m.Endpoint, err)
	}
	if _, err := m.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("HeadBucket %s after creating it: %v", bucket, err)
	}
	if again := acctest.SharedMoto(t); again != m {
		t.Errorf("second SharedMoto call returned a different server (%s, first %s)", again.Endpoint, m.Endpoint)
	}

	e := acctest.NewEmulator(t, icaemulator.Options{APIKey: "smoke-key", AWSEndpoint: m.Endpoint})
	if e.APIKey != "smoke-key" {
		t.Errorf("APIKey = %q, want smoke-key", e.APIKey)
	}
	req, err := http.NewRequest(http.MethodGet, e.URL+"/api/regions", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", e.APIKey)
	req.Header.Set("Accept", "application/vnd.illumina.v3+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /api/regions: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/regions returned %s, want 200 OK", resp.Status)
	}

	reqs := e.Requests(t)
	found := false
	for _, r := range reqs {
		if r.Method == http.MethodGet && r.Path == "/api/regions" && r.Status == http.StatusOK {
			found = true
		}
		if strings.HasPrefix(r.Path, "/_emulator/") {
			t.Errorf("control request %s %s is listed among API requests", r.Method, r.Path)
		}
	}
	if !found {
		t.Errorf("requests %+v lack GET /api/regions 200", reqs)
	}
	if creds := e.Credentials(t); len(creds) != 0 {
		t.Errorf("a new emulator has credentials: %+v", creds)
	}
}

func TestEmulatorFaults(t *testing.T) {
	e := acctest.NewEmulator(t, icaemulator.Options{})
	if e.APIKey == "" {
		t.Fatal("NewEmulator left the API key empty")
	}
	e.InjectFault(t, acctest.Fault{Method: http.MethodGet, Path: "/api/regions", Status: http.StatusServiceUnavailable, Count: 1})

	get := func() int {
		req, err := http.NewRequest(http.MethodGet, e.URL+"/api/regions", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-API-Key", e.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET /api/regions: %v", err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(); got != http.StatusServiceUnavailable {
		t.Errorf("first GET after injecting a 503 fault returned %d", got)
	}
	if got := get(); got != http.StatusOK {
		t.Errorf("second GET (fault count 1 used up) returned %d, want 200", got)
	}

	e.InjectFault(t, acctest.Fault{Method: http.MethodGet, Path: "/api/*", Status: http.StatusTooManyRequests, Probability: 1})
	if got := get(); got != http.StatusTooManyRequests {
		t.Errorf("GET with a prefix fault of probability 1 returned %d, want 429", got)
	}
	e.ClearFaults(t)
	if got := get(); got != http.StatusOK {
		t.Errorf("GET after ClearFaults returned %d, want 200", got)
	}
}

func TestNewMotoInstancesAreSeparate(t *testing.T) {
	a := acctest.NewMoto(t, acctest.MotoOptions{})
	b := acctest.NewMoto(t, acctest.MotoOptions{})
	if a.Endpoint == b.Endpoint {
		t.Fatalf("two moto servers share the endpoint %s", a.Endpoint)
	}
	ctx := context.Background()
	bucket := acctest.RandomName("sep-")
	if _, err := a.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket on %s: %v", a.Endpoint, err)
	}
	if _, err := b.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err == nil {
		t.Errorf("bucket %s created on %s is visible on %s", bucket, a.Endpoint, b.Endpoint)
	}
}

func TestNewMotoStopsAtCleanup(t *testing.T) {
	var endpoint string
	t.Run("instance", func(t *testing.T) {
		endpoint = acctest.NewMoto(t, acctest.MotoOptions{}).Endpoint
	})
	resp, err := http.Get(endpoint + "/moto-api/")
	if err == nil {
		_ = resp.Body.Close()
		t.Fatalf("moto at %s still answers after its test ended", endpoint)
	}
}

func TestEnforceIAM(t *testing.T) {
	ctx := context.Background()
	admin := acctest.NewMoto(t, acctest.MotoOptions{EnforceIAM: true})
	if admin.AccessKeyID == "test" {
		t.Fatal("an IAM-enforcing instance must sign with the admin key, not the default test key")
	}
	// The first call after the bootstrap must already be checked: a key moto never issued is refused. Were
	// INITIAL_NO_AUTH_ACTION_COUNT one higher than the bootstrap's calls, this call would pass unchecked.
	stranger := admin.WithCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	_, err := stranger.IAM.ListUsers(ctx, &iam.ListUsersInput{})
	assertAPIError(t, err, "InvalidClientTokenId")

	if _, err := admin.S3.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("admin ListBuckets: %v", err)
	}

	user := acctest.RandomName("noperm-")
	if _, err := admin.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		t.Fatalf("admin CreateUser: %v", err)
	}
	key, err := admin.IAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatalf("admin CreateAccessKey: %v", err)
	}
	unprivileged := admin.WithCredentials(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))
	_, err = unprivileged.S3.ListBuckets(ctx, &s3.ListBucketsInput{})
	assertAPIError(t, err, "AccessDenied")
}

func assertAPIError(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("call succeeded, want %s", code)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not an AWS API error, want %s", err, code)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("error code %s (%v), want %s", apiErr.ErrorCode(), err, code)
	}
}

func TestProviderConfig(t *testing.T) {
	e := &acctest.Emulator{URL: "http://127.0.0.1:1234", APIKey: "k${x}"}
	m := &acctest.Moto{Endpoint: "http://127.0.0.1:5678", Region: "us-east-1", AccessKeyID: "AK", SecretAccessKey: "SK"}

	both := acctest.ProviderConfig(e, m)
	for _, want := range []string{
		`base_url    = "http://127.0.0.1:1234"`,
		`api_key     = "k$${x}"`,
		`max_retries = 3`,
		`region            = "us-east-1"`,
		`access_key        = "AK"`,
		`secret_key        = "SK"`,
		`s3_use_path_style = true`,
		`s3  = "http://127.0.0.1:5678"`,
		`iam = "http://127.0.0.1:5678"`,
		`sts = "http://127.0.0.1:5678"`,
	} {
		if !strings.Contains(both, want) {
			t.Errorf("ProviderConfig(e, m) lacks %q:\n%s", want, both)
		}
	}
	if strings.Count(both, "{") != strings.Count(both, "}") {
		t.Errorf("unbalanced braces:\n%s", both)
	}

	if got := acctest.ProviderConfig(nil, m); strings.Contains(got, "base_url") || !strings.Contains(got, "aws {") {
		t.Errorf("ProviderConfig(nil, m) should have only the aws block:\n%s", got)
	}
	if got := acctest.ProviderConfig(e, nil); strings.Contains(got, "aws {") || !strings.Contains(got, "base_url") {
		t.Errorf("ProviderConfig(e, nil) should have no aws block:\n%s", got)
	}
	if got := acctest.ProviderConfig(nil, nil); got != "provider \"ica\" {\n}\n" {
		t.Errorf("ProviderConfig(nil, nil) = %q", got)
	}
}

func TestRandomName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9][a-z0-9-]*[a-z0-9]$`)
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		n := acctest.RandomName("tf-acc-")
		if seen[n] {
			t.Fatalf("RandomName returned %q twice", n)
		}
		seen[n] = true
		if !strings.HasPrefix(n, "tf-acc-") || len(n) != len("tf-acc-")+8 || !valid.MatchString(n) {
			t.Fatalf("RandomName(tf-acc-) = %q", n)
		}
	}
	for prefix, wantPrefix := range map[string]string{
		"My_Bucket.":                 "my-bucket-",
		"":                           "t",
		"__":                         "t",
		strings.Repeat("abcdef", 10): strings.Repeat("abcdef", 10)[:32],
	} {
		n := acctest.RandomName(prefix)
		if !strings.HasPrefix(n, wantPrefix) || len(n) != len(wantPrefix)+8 || len(n) > 40 || !valid.MatchString(n) {
			t.Errorf("RandomName(%q) = %q, want %q + 8 characters of [a-z0-9]", prefix, n, wantPrefix)
		}
	}
}
