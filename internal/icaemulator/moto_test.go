package icaemulator_test

import (
	"context"
	"fmt"

	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/testenv"
)

// motoServer is moto_server's path, "" when there is none.
func motoServer() string {
	p, _ := testenv.MotoServer()
	return p
}

// startMoto runs a private moto_server on a free loopback port until the test ends. Extra env entries
// (e.g. INITIAL_NO_AUTH_ACTION_COUNT) configure it.
func startMoto(t *testing.T, env ...string) string {
	t.Helper()
	bin := motoServer()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("moto_server not found (PATH or pyenv versions); CI must have it: pip install 'moto[server]'")
		}
		t.Skip("moto_server not found (PATH or pyenv versions): skipping the bucket validation tests; install it with pip install 'moto[server]'")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
	})
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(endpoint + "/moto-api/")
		if err == nil {
			_ = res.Body.Close()
			return endpoint
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within 30s: %v\n%s", endpoint, err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func s3Client(endpoint, keyID, secret string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
	})
}

func createBucket(t *testing.T, c *s3.Client, name, region string) {
	t.Helper()
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	if _, err := c.CreateBucket(context.Background(), in, func(o *s3.Options) { o.Region = region }); err != nil {
		t.Fatalf("creating bucket %s in %s: %v", name, region, err)
	}
}

func TestValidationAgainstS3(t *testing.T) {
	endpoint := startMoto(t)
	admin := s3Client(endpoint, "AKIAADMIN", "admin-secret")
	createBucket(t, admin, "ica-ok", "us-east-1")
	createBucket(t, admin, "ica-london", "eu-west-2")

	s := newServer(t, icaemulator.Options{AWSEndpoint: endpoint, ValidationDelay: 20 * time.Millisecond})
	cred := s.createCredential("moto-key", "AKIAICA", "ica-secret")
	us, gb := icaemulator.RegionID("US"), icaemulator.RegionID("GB")

	cases := []struct {
		name, region, bucket string
		prefix               any
		status, message      string
	}{
		{"prefixed", us, "ica-ok", "data/", "OK", ""},
		{"whole-bucket", us, "ica-ok", nil, "OK", ""},
		{"london-in-uk", gb, "ica-london", "x/", "OK", ""},
		{"missing", us, "ica-missing", nil, "ERROR", "Bucket ica-missing does not exist"},
		{"london-in-us", us, "ica-london", nil, "ERROR", "eu-west-2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := s.in(t)
			sc := s.createConfig(configBody(c.name, cred.ID, c.region, c.bucket, c.prefix))
			got := s.waitSettled(sc.ID)
			if got.Status != c.status {
				t.Fatalf("status %s (%v), want %s", got.Status, got.ErrorMessage, c.status)
			}
			if c.message == "" {
				if got.ErrorMessage != nil {
					t.Errorf("errorMessage %q on OK", *got.ErrorMessage)
				}
				return
			}
			if got.ErrorMessage == nil || !strings.Contains(*got.ErrorMessage, c.message) {
				t.Errorf("errorMessage %v, want it to contain %q", got.ErrorMessage, c.message)
			}
			if got.ErrorMessage != nil && strings.Contains(*got.ErrorMessage, "ica-secret") {
				t.Errorf("errorMessage leaks the secret: %s", *got.ErrorMessage)
			}
		})
	}

	// Creating the missing bucket and re-validating turns the configuration OK: :validate re-checks.
	var missingID string
	var list struct{ Items []storageConfiguration }
	s.must(200, "GET", "/api/storageConfigurations", nil).json(t, &list)
	for _, it := range list.Items {
		if it.Name == "missing" {
			missingID = it.ID
		}
	}
	createBucket(t, admin, "ica-missing", "us-east-1")
	s.must(204, "POST", "/api/storageConfigurations/"+missingID+":validate", nil)
	if got := s.waitSettled(missingID); got.Status != "OK" {
		t.Errorf("after creating the bucket and :validate: %s %v", got.Status, got.ErrorMessage)
	}

	// A validation in flight when the emulator closes is abandoned, not leaked.
	s.must(204, "POST", "/api/storageConfigurations/"+missingID+":validate", nil)
	s.emu.Close()
	assertNoEmulatorGoroutines(t)
}

func TestValidationAccessDenied(t *testing.T) {
	// moto enforces IAM after this many unauthenticated actions: one is spent creating the bucket.
	endpoint := startMoto(t, "INITIAL_NO_AUTH_ACTION_COUNT=1")
	createBucket(t, s3Client(endpoint, "AKIAADMIN", "admin-secret"), "ica-locked", "us-east-1")

	s := newServer(t, icaemulator.Options{AWSEndpoint: endpoint, ValidationDelay: 20 * time.Millisecond})
	cred := s.createCredential("unknown-key", "AKIAUNKNOWN0000000000", "not-a-real-secret")
	sc := s.createConfig(configBody("locked", cred.ID, icaemulator.RegionID("US"), "ica-locked", nil))
	got := s.waitSettled(sc.ID)
	if got.Status != "ERROR" || got.ErrorMessage == nil || !strings.Contains(*got.ErrorMessage, "Access denied for bucket ica-locked") {
		t.Errorf("with a key moto does not know: %s %v, want ERROR \"Access denied for bucket ica-locked ...\"", got.Status, got.ErrorMessage)
	}
}
