package icaemulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/icaopenapi"
)

const testKey = "test-api-key"

// server is an emulator behind the OpenAPI middleware: every API request and response of a test is
// checked against ICA's published document.
type server struct {
	t   *testing.T
	emu *icaemulator.Emulator
	url string
	// uncheckedURL serves the same emulator with only its responses to documented operations validated,
	// for requests that are invalid or undocumented on purpose.
	uncheckedURL string
	// auth is added to requests made with do unless the test passes its own headers.
	auth http.Header
}

func newServer(t *testing.T, opts icaemulator.Options) *server {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	if opts.ValidationDelay == 0 {
		opts.ValidationDelay = 50 * time.Millisecond
	}
	emu := icaemulator.New(opts)
	spec := icaopenapi.Optional(t)
	srv := httptest.NewServer(spec.Middleware(t, emu))
	unchecked := httptest.NewServer(spec.ResponseMiddleware(t, emu))
	t.Cleanup(func() {
		srv.Close()
		unchecked.Close()
		emu.Close()
	})
	return &server{t: t, emu: emu, url: srv.URL, uncheckedURL: unchecked.URL, auth: http.Header{"X-Api-Key": {opts.APIKey}}}
}

// newHTTPServer serves h on loopback until the test ends.
func newHTTPServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// problem decodes a problem+json body and checks its always-present members.
func (r response) problem(t *testing.T) problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("error %d has Content-Type %q, want application/problem+json: %s", r.status, ct, r.body)
	}
	var p problem
	r.json(t, &p)
	if p.Type == "" || p.Title == "" || p.Status != r.status || p.Parameters == nil || p.Timestamp == "" || p.ID == "" {
		t.Errorf("problem lacks a required member or has the wrong status: %s", r.body)
	}
	return p
}

type problem struct {
	Type       string            `json:"type"`
	Title      string            `json:"title"`
	Status     int               `json:"status"`
	Detail     string            `json:"detail"`
	Instance   string            `json:"instance"`
	Parameters map[string]string `json:"parameters"`
	Timestamp  string            `json:"timestamp"`
	ID         string            `json:"id"`
}

// do sends a request with the server's auth (or the given headers, when not nil). A non-nil body is
// JSON-encoded unless it is already a string.
func (s *server) do(method, path string, body any, headers http.Header) response {
	s.t.Helper()
	return s.send(s.url, method, path, body, headers)
}

// doUnchecked is do on the server that does not validate requests.
func (s *server) doUnchecked(method, path string, body any, headers http.Header) response {
	s.t.Helper()
	return s.send(s.uncheckedURL, method, path, body, headers)
}

func (s *server) send(base, method, path string, body any, headers http.Header) response {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		default:
			data, err := json.Marshal(b)
			if err != nil {
				s.t.Fatal(err)
			}
			rd = bytes.NewReader(data)
		}
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if headers == nil {
		headers = s.auth
	}
	for k, v := range headers {
		req.Header[k] = v
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/vnd.illumina.v3+json")
	}
	req.Header.Set("Accept", "application/vnd.illumina.v3+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = res.Body.Close() }()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatalf("reading %s %s: %v", method, path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: data}
}

// must sends a request and fails the test unless it returns want.
func (s *server) must(want int, method, path string, body any) response {
	s.t.Helper()
	res := s.do(method, path, body, nil)
	if res.status != want {
		s.t.Fatalf("%s %s returned %d, want %d: %s", method, path, res.status, want, res.body)
	}
	return res
}

func (s *server) requests() []icaemulator.ControlRequest {
	s.t.Helper()
	var out []icaemulator.ControlRequest
	s.must(200, "GET", "/_emulator/requests", nil).json(s.t, &out)
	return out
}

func (s *server) credentials() []icaemulator.ControlCredential {
	s.t.Helper()
	var out []icaemulator.ControlCredential
	s.must(200, "GET", "/_emulator/credentials", nil).json(s.t, &out)
	return out
}

type credential struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	OwnerID      string `json:"ownerId"`
	TenantID     string `json:"tenantId"`
	TenantName   string `json:"tenantName"`
	TimeCreated  string `json:"timeCreated"`
	TimeModified string `json:"timeModified"`
}

func credentialBody(name, keyID, secret string) map[string]any {
	return map[string]any{
		"name": name, "type": "AWS_USER",
		"awsCredentials": map[string]any{"accessKeyId": keyID, "secretAccessKey": secret},
	}
}

func (s *server) createCredential(name, keyID, secret string) credential {
	s.t.Helper()
	var c credential
	s.must(201, "POST", "/api/storageCredentials", credentialBody(name, keyID, secret)).json(s.t, &c)
	return c
}

type awsDetails struct {
	BucketName                    string  `json:"bucketName"`
	KeyPrefix                     *string `json:"keyPrefix"`
	ServerSideEncryptionAlgorithm *string `json:"serverSideEncryptionAlgorithm"`
	ServerSideEncryptionKey       *string `json:"serverSideEncryptionKey"`
}

type storageConfiguration struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Description  *string `json:"description"`
	Type         string  `json:"type"`
	Status       string  `json:"status"`
	ErrorMessage *string `json:"errorMessage"`
	Region       struct {
		ID      string `json:"id"`
		Country struct {
			Code string `json:"code"`
		} `json:"country"`
	} `json:"region"`
	IsDefault                   bool `json:"isDefault"`
	StorageConfigurationDetails *struct {
		AWSS3             awsDetails `json:"awsS3"`
		StorageCredential *struct {
			ID string `json:"id"`
		} `json:"storageCredential"`
	} `json:"storageConfigurationDetails"`
}

func configBody(name, credID, regionID, bucket string, prefix any) map[string]any {
	return map[string]any{
		"name": name, "type": "AWS_S3", "storageCredentialId": credID, "regionId": regionID,
		"awsDetails": map[string]any{"bucketName": bucket, "keyPrefix": prefix},
	}
}

func (s *server) createConfig(body map[string]any) storageConfiguration {
	s.t.Helper()
	var c storageConfiguration
	s.must(201, "POST", "/api/storageConfigurations", body).json(s.t, &c)
	return c
}

func (s *server) getConfig(id string) storageConfiguration {
	s.t.Helper()
	var c storageConfiguration
	s.must(200, "GET", "/api/storageConfigurations/"+id, nil).json(s.t, &c)
	return c
}

// waitSettled polls until the configuration leaves INITIALIZING.
func (s *server) waitSettled(id string) storageConfiguration {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := s.getConfig(id)
		if c.Status != "INITIALIZING" {
			return c
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("storage configuration %s still INITIALIZING after 10s", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// in returns s reporting to t, for use inside subtests.
func (s *server) in(t *testing.T) *server {
	c := *s
	c.t = t
	return &c
}

// assertNoEmulatorGoroutines fails when a validation goroutine is still running (call after Close).
func assertNoEmulatorGoroutines(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	if strings.Contains(stacks, "icaemulator.(*Emulator).settle") {
		t.Errorf("a validation goroutine outlived Close:\n%s", stacks)
	}
}
