package awsproxy_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/awsproxy"
)

// upstream is a fake AWS endpoint that records what reaches it and answers 200 with an empty XML document.
type upstream struct {
	*httptest.Server
	mu       sync.Mutex
	requests []seen
}

type seen struct {
	Method, Path, RawQuery, Host, Body string
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.requests = append(u.requests, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Host, string(b)})
		u.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) seen() []seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seen(nil), u.requests...)
}

func startProxy(t *testing.T, target string) *awsproxy.Proxy {
	t.Helper()
	p, err := awsproxy.Start(target, awsproxy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

type clients struct {
	s3  *s3.Client
	iam *iam.Client
	sts *sts.Client
}

// newClients returns SDK clients signing for us-east-1 at endpoint; attempts bounds the SDK retryer.
func newClients(endpoint string, attempts int) clients {
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIATEST", "secret", ""),
		RetryMaxAttempts: attempts,
	}
	return clients{
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}),
		iam: iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		sts: sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) }),
	}
}

// TestSDKCallsAreNamed drives the real AWS SDK through the proxy and checks every call gets its API name.
// The fake upstream's answers do not decode for every operation; only the naming matters here.
func TestSDKCallsAreNamed(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.URL)
	c := newClients(p.URL(), 1)
	ctx := context.Background()
	b := aws.String("bucket-1")

	_, _ = c.s3.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b})
	_, _ = c.s3.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &s3types.CORSConfiguration{
		CORSRules: []s3types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*"}}},
	}})
	_, _ = c.s3.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: b})
	_, _ = c.s3.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: b})
	_, _ = c.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b})
	_, _ = c.s3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
	_, _ = c.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: b})
	_, _ = c.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b})
	_, _ = c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("ica/x.txt"), Body: strings.NewReader("x")})
	_, _ = c.s3.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("ica/x.txt")})
	_, _ = c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bucket-2")})
	_, _ = c.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("u")})
	_, _ = c.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u")})
	_, _ = c.iam.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("u")})
	_, _ = c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})

	want := awsproxy.Counts{
		"s3:GetBucketCors": 1, "s3:PutBucketCors": 1, "s3:DeleteBucketCors": 1, "s3:GetBucketLocation": 1,
		"s3:GetBucketVersioning": 1, "s3:GetBucketEncryption": 1, "s3:HeadBucket": 1, "s3:ListObjectsV2": 1,
		"s3:PutObject": 1, "s3:GetObjectTagging": 1, "s3:CreateBucket": 1,
		"iam:GetUser": 1, "iam:CreateAccessKey": 1, "iam:ListAccessKeys": 1, "sts:GetCallerIdentity": 1,
	}
	got := p.Counts()
	assertCounts(t, got, want)
	if w := got.Writes(); w != 5 {
		t.Errorf("Writes() = %d, want 5 (PutBucketCors, DeleteBucketCors, PutObject, CreateBucket, CreateAccessKey)", w)
	}
	if r := got.Reads(); r != 10 {
		t.Errorf("Reads() = %d, want 10", r)
	}
	bySvc := got.ByService()
	if bySvc["s3"] != 11 || bySvc["iam"] != 3 || bySvc["sts"] != 1 {
		t.Errorf("ByService() = %v, want s3 11, iam 3, sts 1", bySvc)
	}

	// The upstream gets the request unchanged: same path, query, form body, and the client's Host header.
	reqs := up.seen()
	if len(reqs) != 15 {
		t.Fatalf("upstream saw %d requests, want 15", len(reqs))
	}
	proxyHost := strings.TrimPrefix(p.URL(), "http://")
	var sawCreateKey bool
	for _, r := range reqs {
		if r.Host != proxyHost {
			t.Errorf("upstream saw Host %q, want the client's %q (SigV4 signs it)", r.Host, proxyHost)
		}
		if strings.Contains(r.Body, "Action=CreateAccessKey") {
			sawCreateKey = true
			if !strings.Contains(r.Body, "UserName=u") {
				t.Errorf("CreateAccessKey body reached upstream as %q, want the full form", r.Body)
			}
		}
	}
	if !sawCreateKey {
		t.Error("the CreateAccessKey form body did not reach the upstream")
	}
	if reqs[0].Path != "/bucket-1" || reqs[0].RawQuery != "cors=" {
		t.Errorf("first request reached upstream as %s?%s, want /bucket-1?cors=", reqs[0].Path, reqs[0].RawQuery)
	}

	log := p.Log()
	if len(log) != 15 || log[0].Op.String() != "s3:GetBucketCors" || log[14].Op.String() != "sts:GetCallerIdentity" {
		t.Errorf("Log() has %d records starting %v and ending %v, want 15 in call order", len(log), log[0].Op, log[len(log)-1].Op)
	}
	for _, r := range log {
		if r.Status != http.StatusOK || r.Fault || r.Duration <= 0 {
			t.Errorf("record %v: status %d fault %v duration %v, want 200, no fault, positive duration", r.Op, r.Status, r.Fault, r.Duration)
		}
	}
}

func assertCounts(t *testing.T, got, want awsproxy.Counts) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("count[%s] = %d, want %d", k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected count[%s] = %d", k, v)
		}
	}
}

func TestClassifyRequests(t *testing.T) {
	auth := func(service string) string {
		return "AWS4-HMAC-SHA256 Credential=AKIA/20261128/eu-west-2/" + service + "/aws4_request, SignedHeaders=host, Signature=abc"
	}
	tests := []struct {
		name, method, target, service, body, header string
		want                                        string
	}{
		{"bucket list", "GET", "/", "s3", "", "", "s3:ListBuckets"},
		{"bucket cors get", "GET", "/b?cors", "s3", "", "", "s3:GetBucketCors"},
		{"bucket versioning put", "PUT", "/b?versioning", "s3", "", "", "s3:PutBucketVersioning"},
		{"bucket policy delete", "DELETE", "/b?policy", "s3", "", "", "s3:DeleteBucketPolicy"},
		{"public access block", "GET", "/b?publicAccessBlock", "s3", "", "", "s3:GetPublicAccessBlock"},
		{"object versions", "GET", "/b?versions&prefix=ica/", "s3", "", "", "s3:ListObjectVersions"},
		{"list objects v1", "GET", "/b?prefix=x", "s3", "", "", "s3:ListObjects"},
		{"delete bucket", "DELETE", "/b", "s3", "", "", "s3:DeleteBucket"},
		{"delete objects", "POST", "/b?delete", "s3", "", "", "s3:DeleteObjects"},
		{"get object", "GET", "/b/a/b/c.txt", "s3", "", "", "s3:GetObject"},
		{"head object", "HEAD", "/b/k", "s3", "", "", "s3:HeadObject"},
		{"delete object", "DELETE", "/b/k?versionId=3", "s3", "", "", "s3:DeleteObject"},
		{"copy object", "PUT", "/b/k", "s3", "", "X-Amz-Copy-Source", "s3:CopyObject"},
		{"create multipart", "POST", "/b/k?uploads", "s3", "", "", "s3:CreateMultipartUpload"},
		{"upload part", "PUT", "/b/k?partNumber=1&uploadId=x", "s3", "", "", "s3:UploadPart"},
		{"restore", "POST", "/b/k?restore", "s3", "", "", "s3:RestoreObject"},
		{"iam form", "POST", "/", "iam", "Action=DeletePolicyVersion&Version=2010-05-08", "", "iam:DeletePolicyVersion"},
		{"sts query", "GET", "/?Action=GetCallerIdentity&Version=2011-06-15", "sts", "", "", "sts:GetCallerIdentity"},
		{"unsigned iam", "POST", "/", "", "Action=ListUsers&Version=2010-05-08", "", "iam:ListUsers"},
		{"unsigned sts", "POST", "/", "", "Action=GetFederationToken&Version=2011-06-15", "", "sts:GetFederationToken"},
		{"json protocol", "POST", "/", "kms", "", "X-Amz-Target", "kms:DescribeKey"},
		{"unsigned unknown", "GET", "/whatever", "", "", "", "unknown:unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.service != "" {
				r.Header.Set("Authorization", auth(tt.service))
			}
			var body []byte
			if tt.body != "" {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
				body = []byte(tt.body)
			}
			switch tt.header {
			case "X-Amz-Copy-Source":
				r.Header.Set(tt.header, "/b/src")
			case "X-Amz-Target":
				r.Header.Set(tt.header, "TrentService.DescribeKey")
			}
			if got := awsproxy.Classify(r, body).String(); got != tt.want {
				t.Errorf("Classify(%s %s) = %s, want %s", tt.method, tt.target, got, tt.want)
			}
		})
	}

	presigned := httptest.NewRequest(http.MethodGet, "/b/k?X-Amz-Credential="+url.QueryEscape("AKIA/20261128/us-east-1/s3/aws4_request")+"&X-Amz-Signature=x", nil)
	if got := awsproxy.Classify(presigned, nil).String(); got != "s3:GetObject" {
		t.Errorf("presigned GET = %s, want s3:GetObject", got)
	}
}

func TestIsWrite(t *testing.T) {
	for op, want := range map[string]bool{
		"GetUser": false, "ListAccessKeys": false, "HeadBucket": false, "DescribeKey": false,
		"CreateUser": true, "PutBucketCors": true, "DeleteAccessKey": true, "AttachUserPolicy": true,
		"TagUser": true, "unknown": true,
	} {
		if got := awsproxy.IsWrite(op); got != want {
			t.Errorf("IsWrite(%q) = %v, want %v", op, got, want)
		}
	}
}

func TestResetReturnsAndClears(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.URL)
	c := newClients(p.URL(), 1)
	ctx := context.Background()
	_, _ = c.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("u")})
	_, _ = c.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("u")})

	got := p.Reset()
	assertCounts(t, got, awsproxy.Counts{"iam:GetUser": 2})
	if n := p.Counts().Total(); n != 0 {
		t.Errorf("after Reset, Total() = %d, want 0", n)
	}
	if n := len(p.Log()); n != 0 {
		t.Errorf("after Reset, Log() has %d records, want 0", n)
	}
	_, _ = c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	assertCounts(t, p.Counts(), awsproxy.Counts{"sts:GetCallerIdentity": 1})
}

func TestConcurrentCounting(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.URL)
	c := newClients(p.URL(), 1)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = c.s3.GetBucketCors(context.Background(), &s3.GetBucketCorsInput{Bucket: aws.String("b")})
			_ = p.Counts()
		}()
	}
	wg.Wait()
	assertCounts(t, p.Counts(), awsproxy.Counts{"s3:GetBucketCors": 50})
	if n := len(p.Log()); n != 50 {
		t.Errorf("Log() has %d records, want 50", n)
	}
}

func apiErrorCode(t *testing.T, err error) string {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not an AWS API error", err)
	}
	return apiErr.ErrorCode()
}

// TestThrottleIsDecodedAndCounted checks that the SDK reads the injected throttling errors as the services'
// own codes, that Count limits the fault, and that faulted calls are counted but never reach the upstream.
func TestThrottleIsDecodedAndCounted(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.URL)
	c := newClients(p.URL(), 1)
	ctx := context.Background()

	iamRule, err := p.AddFault(awsproxy.Fault{Service: "iam", Operation: "CreateAccessKey", Kind: awsproxy.KindThrottle, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	s3Rule, err := p.AddFault(awsproxy.Fault{Service: "s3", Operation: "Put*", Kind: awsproxy.KindThrottle, Count: 1})
	if err != nil {
		t.Fatal(err)
	}

	for i := 0; i < 2; i++ {
		_, err := c.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u")})
		if code := apiErrorCode(t, err); code != "Throttling" {
			t.Errorf("attempt %d: IAM error code %q, want Throttling", i+1, code)
		}
	}
	_, _ = c.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u")})
	_, _ = c.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("u")})

	_, err = c.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("b"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
	if code := apiErrorCode(t, err); code != "SlowDown" {
		t.Errorf("S3 error code %q, want SlowDown", code)
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() != http.StatusServiceUnavailable {
		t.Errorf("S3 throttle status %d, want 503", re.HTTPStatusCode())
	}

	if iamRule.Fired() != 2 || s3Rule.Fired() != 1 {
		t.Errorf("Fired() = iam %d, s3 %d; want 2 and 1", iamRule.Fired(), s3Rule.Fired())
	}
	assertCounts(t, p.Counts(), awsproxy.Counts{"iam:CreateAccessKey": 3, "iam:GetUser": 1, "s3:PutBucketVersioning": 1})
	if n := len(up.seen()); n != 2 {
		t.Errorf("upstream saw %d requests, want 2 (the third CreateAccessKey and GetUser)", n)
	}
	faulted := 0
	for _, r := range p.Log() {
		if r.Fault {
			faulted++
		}
	}
	if faulted != 3 {
		t.Errorf("Log() marks %d records as faulted, want 3", faulted)
	}
}

// TestSDKRetriesThrottling proves the default SDK retryer treats the injected throttles as retryable.
func TestSDKRetriesThrottling(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.URL)
	c := newClients(p.URL(), 3)
	if _, err := p.AddFault(awsproxy.Fault{Service: "sts", Kind: awsproxy.KindThrottle, Code: "ThrottlingException", Count: 2}); err != nil {
		t.Fatal(err)
	}
	_, _ = c.sts.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	assertCounts(t, p.Counts(), awsproxy.Counts{"sts:GetCallerIdentity": 3})
	if n := len(up.seen()); n != 1 {
		t.Errorf("upstream saw %d requests, want 1 (the retry after two throttles)", n)
	}
}

func TestServerErrorAndCustomError(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.URL)
	c := newClients(p.URL(), 1)
	ctx := context.Background()
	mustAdd(t, p, awsproxy.Fault{Service: "iam", Operation: "GetUser", Kind: awsproxy.KindError, Status: 404, Code: "NoSuchEntity", Message: "The user with name u cannot be found."})
	mustAdd(t, p, awsproxy.Fault{Service: "s3", Kind: awsproxy.KindServerError, Status: 503, Code: "ServiceUnavailable"})
	mustAdd(t, p, awsproxy.Fault{Service: "iam", Kind: awsproxy.KindServerError})

	_, err := c.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("u")})
	if code := apiErrorCode(t, err); code != "NoSuchEntity" {
		t.Errorf("GetUser error code %q, want NoSuchEntity", code)
	}
	_, err = c.s3.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("b")})
	if code := apiErrorCode(t, err); code != "ServiceUnavailable" {
		t.Errorf("GetBucketCors error code %q, want ServiceUnavailable", code)
	}
	_, err = c.iam.ListUsers(ctx, &iam.ListUsersInput{})
	if code := apiErrorCode(t, err); code != "InternalError" {
		t.Errorf("ListUsers error code %q, want InternalError", code)
	}
	if n := len(up.seen()); n != 0 {
		t.Errorf("upstream saw %d requests, want 0", n)
	}
}

func mustAdd(t *testing.T, p *awsproxy.Proxy, f awsproxy.Fault) *awsproxy.Rule {
	t.Helper()
	r, err := p.AddFault(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDropClosesTheConnection(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.URL)
	mustAdd(t, p, awsproxy.Fault{Service: "iam", Kind: awsproxy.KindDrop})
	c := newClients(p.URL(), 1)
	_, err := c.iam.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("u")})
	if err == nil {
		t.Fatal("CreateUser through a dropping proxy succeeded, want a transport error")
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		t.Errorf("got API error %v, want a transport error (no response)", apiErr)
	}
	if n := len(up.seen()); n != 0 {
		t.Errorf("upstream saw %d requests, want 0", n)
	}
	log := p.Log()
	if len(log) != 1 || log[0].Status != 0 || !log[0].Fault {
		t.Errorf("Log() = %+v, want one faulted record with status 0", log)
	}
}

// TestAfterForward checks the write reaches the upstream while the client sees the fault.
func TestAfterForward(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.URL)
	mustAdd(t, p, awsproxy.Fault{Service: "iam", Operation: "CreateUser", Kind: awsproxy.KindServerError, AfterForward: true, Count: 1})
	c := newClients(p.URL(), 1)
	_, err := c.iam.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("u")})
	if code := apiErrorCode(t, err); code != "InternalError" {
		t.Errorf("CreateUser error code %q, want InternalError", code)
	}
	reqs := up.seen()
	if len(reqs) != 1 || !strings.Contains(reqs[0].Body, "Action=CreateUser") {
		t.Errorf("upstream saw %+v, want the CreateUser request", reqs)
	}
}

func TestHangNeverAnswers(t *testing.T) {
	for _, afterForward := range []bool{false, true} {
		t.Run(map[bool]string{false: "before forwarding", true: "after forwarding"}[afterForward], func(t *testing.T) {
			up := newUpstream(t)
			p := startProxy(t, up.URL)
			r := mustAdd(t, p, awsproxy.Fault{Service: "iam", Operation: "CreateUser", Kind: awsproxy.KindHang, AfterForward: afterForward})
			c := newClients(p.URL(), 1)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("CreateUser through a hanging proxy: err = %v, want the caller's deadline", err)
			}
			if d := time.Since(start); d < 300*time.Millisecond {
				t.Fatalf("the call ended after %v, before its deadline: the proxy answered", d)
			}
			if r.Fired() != 1 {
				t.Errorf("Fired() = %d, want 1", r.Fired())
			}
			wantUpstream := 0
			if afterForward {
				wantUpstream = 1 // the write happened; only its answer never came
			}
			if n := len(up.seen()); n != wantUpstream {
				t.Errorf("upstream saw %d requests, want %d", n, wantUpstream)
			}
			// The record appears once the proxy notices the client gave up.
			deadline := time.Now().Add(5 * time.Second)
			for len(p.Log()) == 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if log := p.Log(); len(log) != 1 || log[0].Status != 0 || !log[0].Fault {
				t.Errorf("Log() = %+v, want one faulted record with status 0", log)
			}
		})
	}
}

func TestCloseEndsHungRequests(t *testing.T) {
	up := newUpstream(t)
	p, err := awsproxy.Start(up.URL, awsproxy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, p, awsproxy.Fault{Kind: awsproxy.KindHang})
	done := make(chan error, 1)
	go func() {
		_, err := newClients(p.URL(), 1).sts.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for p.Counts().Total() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	p.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with a hung request: it must end it, not wait for it", d)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("a hung call succeeded when the proxy closed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the hung call did not end when the proxy closed")
	}
}

func TestDelay(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.URL)
	mustAdd(t, p, awsproxy.Fault{Service: "sts", Operation: "GetCallerIdentity", Kind: awsproxy.KindDelay, Delay: time.Second})
	c := newClients(p.URL(), 1)
	start := time.Now()
	_, _ = c.sts.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if d := time.Since(start); d < time.Second {
		t.Errorf("delayed call took %v, want at least 1s", d)
	}
	if n := len(up.seen()); n != 1 {
		t.Errorf("upstream saw %d requests, want 1 (a delay still forwards)", n)
	}
	fast := time.Now()
	_, _ = c.iam.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("u")})
	// Generous bound: a loaded CI machine can stall a loopback call, but not for most of a second.
	if d := time.Since(fast); d >= 900*time.Millisecond {
		t.Errorf("an unmatched call took %v, want no delay", d)
	}
}

func TestProbability(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.URL)
	r := mustAdd(t, p, awsproxy.Fault{Kind: awsproxy.KindServerError, Probability: 0.5})
	c := newClients(p.URL(), 1)
	for i := 0; i < 200; i++ {
		_, _ = c.iam.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("u")})
	}
	// Binomial(200, 0.5): outside 60..140 has probability below 1e-8.
	if f := r.Fired(); f < 60 || f > 140 {
		t.Errorf("a 0.5-probability fault fired %d times in 200 calls", f)
	}
	if got := len(up.seen()) + r.Fired(); got != 200 {
		t.Errorf("forwarded + faulted = %d, want 200", got)
	}
}

func TestRemoveAndClear(t *testing.T) {
	up := newUpstream(t)
	p := startProxy(t, up.URL)
	c := newClients(p.URL(), 1)
	ctx := context.Background()
	first := mustAdd(t, p, awsproxy.Fault{Service: "iam", Kind: awsproxy.KindError, Status: 403, Code: "AccessDenied"})
	mustAdd(t, p, awsproxy.Fault{Service: "iam", Kind: awsproxy.KindError, Status: 409, Code: "EntityAlreadyExists"})

	_, err := c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")})
	if code := apiErrorCode(t, err); code != "AccessDenied" {
		t.Errorf("with two rules the first added decides: got %q, want AccessDenied", code)
	}
	first.Remove()
	_, err = c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")})
	if code := apiErrorCode(t, err); code != "EntityAlreadyExists" {
		t.Errorf("after Remove the second rule decides: got %q, want EntityAlreadyExists", code)
	}
	p.ClearFaults()
	_, _ = c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")})
	if n := len(up.seen()); n != 1 {
		t.Errorf("after ClearFaults upstream saw %d requests, want 1", n)
	}
}

func TestFaultValidation(t *testing.T) {
	p, err := awsproxy.New("http://127.0.0.1:1", awsproxy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]awsproxy.Fault{
		"no kind":            {Service: "iam"},
		"error without code": {Kind: awsproxy.KindError, Status: 404},
		"error bad status":   {Kind: awsproxy.KindError, Status: 200, Code: "X"},
		"delay without time": {Kind: awsproxy.KindDelay},
		"delay after fwd":    {Kind: awsproxy.KindDelay, Delay: time.Second, AfterForward: true},
		"unknown kind":       {Kind: "stall"},
		"probability > 1":    {Kind: awsproxy.KindDrop, Probability: 1.5},
		"negative count":     {Kind: awsproxy.KindDrop, Count: -1},
		"bad pattern":        {Kind: awsproxy.KindDrop, Operation: "[Get"},
		"non-error status":   {Kind: awsproxy.KindThrottle, Status: 302},
	} {
		if _, err := p.AddFault(f); err == nil {
			t.Errorf("%s: AddFault(%+v) succeeded, want an error", name, f)
		}
	}
	if _, err := awsproxy.New("127.0.0.1:5000", awsproxy.Options{}); err == nil {
		t.Error("New with a URL without scheme succeeded, want an error")
	}
}

func TestCustomClassifier(t *testing.T) {
	up := newUpstream(t)
	p, err := awsproxy.Start(up.URL, awsproxy.Options{Classify: func(r *http.Request, _ []byte) awsproxy.Op {
		return awsproxy.Op{Service: "ica", Operation: r.Method + " " + r.URL.Path}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	resp, err := http.Get(p.URL() + "/api/regions")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	assertCounts(t, p.Counts(), awsproxy.Counts{"ica:GET /api/regions": 1})
}
