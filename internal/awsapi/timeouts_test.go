package awsapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/awsapi"
)

const getUserAnswer = `<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult><User>` +
	`<UserName>u</UserName><Arn>arn:aws:iam::123456789012:user/u</Arn><UserId>AIDAEXAMPLE</UserId><Path>/</Path>` +
	`<CreateDate>2026-01-01T00:00:00Z</CreateDate></User></GetUserResult><ResponseMetadata><RequestId>r</RequestId>` +
	`</ResponseMetadata></GetUserResponse>`

// stallingIAM is an IAM endpoint whose first n requests never get an answer (until the client gives up);
// later GetUser requests are answered.
func stallingIAM(t *testing.T, n int32) (*httptest.Server, *atomic.Int32) {
	var count atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body: only then does the server notice the client hanging up.
		_, _ = io.Copy(io.Discard, r.Body)
		if count.Add(1) <= n {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(getUserAnswer))
	}))
	t.Cleanup(srv.Close)
	return srv, &count
}

func boundedClients(endpoint string, timeout time.Duration) *awsapi.Clients {
	return awsapi.New(awsapi.Settings{Region: "us-east-1", AccessKey: "AKIAEXAMPLE", SecretKey: "secret",
		EndpointIAM: endpoint, EndpointS3: endpoint, EndpointSTS: endpoint, MaxRetries: 1, RequestTimeout: timeout})
}

func TestStalledReadIsRetriedAndSucceeds(t *testing.T) {
	srv, count := stallingIAM(t, 1)
	iam := boundedClients(srv.URL, 300*time.Millisecond).IAMAdapter()
	u, err := iam.GetUser(context.Background(), "u")
	if err != nil || u.Name != "u" {
		t.Fatalf("GetUser = %+v, %v; want the user from the attempt after the stalled one", u, err)
	}
	if count.Load() != 2 {
		t.Fatalf("requests = %d, want 2", count.Load())
	}
}

func TestStalledEndpointCostsOneBoundedCallThenFailsFast(t *testing.T) {
	srv, count := stallingIAM(t, 1000)
	c := boundedClients(srv.URL, 300*time.Millisecond)
	start := time.Now()
	_, err := c.IAMAdapter().GetUser(context.Background(), "u")
	elapsed := time.Since(start)
	// 2 attempts × 300ms + the SDK's backoff before the retry (under 2s).
	if elapsed < 600*time.Millisecond || elapsed > 3*time.Second {
		t.Fatalf("a stalled call took %v, want 2 × 300ms plus at most 2s of backoff", elapsed)
	}
	if count.Load() != 2 {
		t.Fatalf("requests = %d, want 2 (a read is retried after a timeout)", count.Load())
	}
	var noAnswer *awsapi.NoAnswerError
	if !errors.As(err, &noAnswer) || !errors.Is(err, awsapi.ErrNoAnswer) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v: want a NoAnswerError, not a context deadline (the caller set none)", err)
	}
	for _, want := range []string{"IAM at " + srv.URL, "did not answer GetUser within 300ms", "(2 attempts)",
		"aws { endpoints }", "HTTPS_PROXY", "VPC endpoint for IAM", "aws { request_timeout }"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}

	// The endpoint stalled: later calls of this process fail at once without a request, a write as well.
	start = time.Now()
	_, err = c.IAMAdapter().CreateAccessKey(context.Background(), "u")
	if time.Since(start) > 100*time.Millisecond || count.Load() != 2 {
		t.Fatalf("after a stall a call took %v and the endpoint got %d requests in all; want no wait and no request", time.Since(start), count.Load())
	}
	for _, want := range []string{"did not answer GetUser within 300ms earlier in this run, so CreateAccessKey was not sent"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	// S3 at the same host is another service: its own calls are still sent (and stall on their own).
	if _, err := c.S3Adapter().BucketRegion(context.Background(), "b"); err == nil || !strings.Contains(err.Error(), "S3 at "+srv.URL) {
		t.Fatalf("S3 call: err = %v, want its own stall", err)
	}
}

func TestStalledWriteIsNotRetried(t *testing.T) {
	srv, count := stallingIAM(t, 1000)
	_, err := boundedClients(srv.URL, 300*time.Millisecond).IAMAdapter().CreateAccessKey(context.Background(), "u")
	if count.Load() != 1 {
		t.Fatalf("requests = %d, want 1: a CreateAccessKey that got no answer may have made a key", count.Load())
	}
	for _, want := range []string{"did not answer CreateAccessKey within 300ms", "may have taken effect", "the next apply finds what it made"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestCallerCancellationIsNotAStall(t *testing.T) {
	srv, count := stallingIAM(t, 1)
	c := boundedClients(srv.URL, 5*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.IAMAdapter().GetUser(ctx, "u"); err == nil || errors.Is(err, awsapi.ErrNoAnswer) {
		t.Fatalf("err = %v, want the caller's deadline, not a stall", err)
	}
	if _, err := c.IAMAdapter().GetUser(context.Background(), "u"); err != nil || count.Load() != 2 {
		t.Fatalf("next call: err %v, requests %d; the caller's own deadline must not mark the endpoint", err, count.Load())
	}
}

func TestHangingCredentialSourceIsBounded(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	if err := os.WriteFile(cfgFile, []byte("[profile slow]\ncredential_process = exec sleep 60\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	srv, count := stallingIAM(t, 0)
	c := awsapi.New(awsapi.Settings{Region: "us-east-1", Profile: "slow", EndpointIAM: srv.URL, MaxRetries: 1,
		RequestTimeout: 300 * time.Millisecond})
	start := time.Now()
	_, err := c.IAMAdapter().GetUser(context.Background(), "u")
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("a hanging credential_process held the call for %v", elapsed)
	}
	if err == nil || !strings.Contains(err.Error(), "fetching AWS credentials did not finish within 300ms") || count.Load() != 0 {
		t.Fatalf("err = %v (requests %d), want the credential fetch's time limit and no request", err, count.Load())
	}
}
