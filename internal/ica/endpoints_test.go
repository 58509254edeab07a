package ica

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

const (
	credID   = "6b4a3f0e-7c1d-4e55-9a0b-2f1e3d4c5b6a"
	configID = "0f9e8d7c-6b5a-4948-8372-615049382716"
	regionID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
)

// endpointCase is one client method with the request it must send.
type endpointCase struct {
	name       string
	call       func(context.Context, *Client) error
	method     string
	requestURI string // under the /ica/rest base path, escaping as sent
	body       string // expected JSON body ("" for none)
}

func endpointCases() []endpointCase {
	prefix, sse := "ica/", "AES256"
	return []endpointCase{
		{"ListRegions", func(ctx context.Context, c *Client) error { _, err := c.ListRegions(ctx); return err },
			"GET", "/api/regions", ""},
		{"GetRegion", func(ctx context.Context, c *Client) error { _, err := c.GetRegion(ctx, regionID); return err },
			"GET", "/api/regions/" + regionID, ""},
		{"ListStorageCredentials", func(ctx context.Context, c *Client) error { _, err := c.ListStorageCredentials(ctx); return err },
			"GET", "/api/storageCredentials", ""},
		{"GetStorageCredential", func(ctx context.Context, c *Client) error { _, err := c.GetStorageCredential(ctx, credID); return err },
			"GET", "/api/storageCredentials/" + credID, ""},
		{"CreateStorageCredential", func(ctx context.Context, c *Client) error {
			_, err := c.CreateStorageCredential(ctx, CreateStorageCredential{Name: "my-bucket_ica", Type: CredentialTypeAWSUser,
				AWSCredentials: &AWSCredentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}})
			return err
		}, "POST", "/api/storageCredentials",
			`{"name":"my-bucket_ica","type":"AWS_USER","awsCredentials":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}`},
		{"UpdateStorageCredentialSecrets", func(ctx context.Context, c *Client) error {
			return c.UpdateStorageCredentialSecrets(ctx, credID, AWSCredentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "s3cr3t"})
		}, "POST", "/api/storageCredentials/" + credID + ":updateSecrets",
			`{"awsCredentials":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"s3cr3t"}}`},
		{"ShareStorageCredential", func(ctx context.Context, c *Client) error { return c.ShareStorageCredential(ctx, credID) },
			"POST", "/api/storageCredentials/" + credID + ":share", ""},
		{"ListStorageConfigurations", func(ctx context.Context, c *Client) error { _, err := c.ListStorageConfigurations(ctx); return err },
			"GET", "/api/storageConfigurations", ""},
		{"GetStorageConfiguration", func(ctx context.Context, c *Client) error {
			_, err := c.GetStorageConfiguration(ctx, configID)
			return err
		},
			"GET", "/api/storageConfigurations/" + configID, ""},
		{"GetStorageConfigurationDetails", func(ctx context.Context, c *Client) error {
			_, err := c.GetStorageConfigurationDetails(ctx, configID)
			return err
		}, "GET", "/api/storageConfigurations/" + configID + "/details", ""},
		{"CreateStorageConfiguration", func(ctx context.Context, c *Client) error {
			_, err := c.CreateStorageConfiguration(ctx, CreateStorageConfiguration{Name: "my-bucket", StorageCredentialID: credID,
				Type: StorageTypeAWSS3, RegionID: regionID,
				AWSDetails: &AWSDetails{BucketName: "my-bucket", KeyPrefix: &prefix, ServerSideEncryptionAlgorithm: &sse}})
			return err
		}, "POST", "/api/storageConfigurations",
			`{"name":"my-bucket","storageCredentialId":"` + credID + `","type":"AWS_S3","regionId":"` + regionID +
				`","awsDetails":{"bucketName":"my-bucket","keyPrefix":"ica/","serverSideEncryptionAlgorithm":"AES256"}}`},
		{"ValidateStorageConfiguration", func(ctx context.Context, c *Client) error { return c.ValidateStorageConfiguration(ctx, configID) },
			"POST", "/api/storageConfigurations/" + configID + ":validate", ""},
		{"ShareStorageConfiguration", func(ctx context.Context, c *Client) error { return c.ShareStorageConfiguration(ctx, configID) },
			"POST", "/api/storageConfigurations/" + configID + ":share", ""},
	}
}

// answerFor returns a minimal plausible answer for each documented operation.
func answerFor(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && (strings.HasSuffix(p, ":share") || strings.HasSuffix(p, ":validate") || strings.HasSuffix(p, ":updateSecrets")):
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost:
		writeJSON(w, http.StatusCreated, map[string]any{"id": credID, "name": "x"})
	case strings.HasSuffix(p, "/api/regions") || strings.HasSuffix(p, "/api/storageCredentials") || strings.HasSuffix(p, "/api/storageConfigurations"):
		writeJSON(w, http.StatusOK, map[string]any{"items": []any{map[string]any{"id": credID}}})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"id": credID})
	}
}

func TestEveryEndpointSendsTheDocumentedRequest(t *testing.T) {
	for _, base := range []string{"/ica/rest", "/ica/rest/"} {
		for _, tt := range endpointCases() {
			t.Run(tt.name+" base "+base, func(t *testing.T) {
				f := newFakeICA(t)
				f.setHandler(func(w http.ResponseWriter, r *http.Request, _ []byte) { answerFor(w, r) })
				c := f.client(t, func(cfg *Config) { cfg.BaseURL = f.url + base; cfg.UserAgent = "terraform-provider-ica/1.2.3" })
				if err := tt.call(context.Background(), c); err != nil {
					t.Fatal(err)
				}
				reqs := f.recorded()
				if len(reqs) != 1 {
					t.Fatalf("requests = %d, want 1", len(reqs))
				}
				r := reqs[0]
				if r.Method != tt.method || r.RequestURI != basePath+tt.requestURI {
					t.Fatalf("sent %s %s, want %s %s", r.Method, r.RequestURI, tt.method, basePath+tt.requestURI)
				}
				if got := r.Header.Get("Accept"); !strings.HasPrefix(got, MediaType) || !strings.Contains(got, "application/problem+json") {
					t.Errorf("Accept = %q", got)
				}
				if got := r.Header.Get("User-Agent"); got != "terraform-provider-ica/1.2.3" {
					t.Errorf("User-Agent = %q", got)
				}
				if tt.body == "" {
					if len(r.Body) != 0 || r.Header.Get("Content-Type") != "" {
						t.Errorf("unexpected body %q (Content-Type %q)", r.Body, r.Header.Get("Content-Type"))
					}
					return
				}
				if got := r.Header.Get("Content-Type"); got != MediaType {
					t.Errorf("Content-Type = %q, want %s", got, MediaType)
				}
				if !jsonEqual(t, r.Body, []byte(tt.body)) {
					t.Errorf("body\n%s\nwant\n%s", r.Body, tt.body)
				}
			})
		}
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("not JSON: %s", a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}

func TestIDsAreEscapedAsOneSegment(t *testing.T) {
	f := newFakeICA(t)
	f.setHandler(func(w http.ResponseWriter, r *http.Request, _ []byte) { answerFor(w, r) })
	c := f.client(t)
	ctx := context.Background()
	if err := c.ShareStorageCredential(ctx, "a/b:share?x=1#y z"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetStorageConfiguration(ctx, "../tokens"); err != nil {
		t.Fatal(err)
	}
	reqs := f.recorded()
	if got, want := reqs[0].RequestURI, basePath+"/api/storageCredentials/a%2Fb%3Ashare%3Fx=1%23y%20z:share"; got != want {
		t.Errorf("sent %s, want %s", got, want)
	}
	if got, want := reqs[1].RequestURI, basePath+"/api/storageConfigurations/..%2Ftokens"; got != want {
		t.Errorf("sent %s, want %s", got, want)
	}
}

func TestEmptyIDsAreRefusedBeforeAnyRequest(t *testing.T) {
	f := newFakeICA(t)
	c := f.client(t)
	ctx := context.Background()
	calls := map[string]func() error{
		"GetRegion":                      func() error { _, err := c.GetRegion(ctx, ""); return err },
		"GetStorageCredential":           func() error { _, err := c.GetStorageCredential(ctx, " "); return err },
		"UpdateStorageCredentialSecrets": func() error { return c.UpdateStorageCredentialSecrets(ctx, "", AWSCredentials{}) },
		"ShareStorageCredential":         func() error { return c.ShareStorageCredential(ctx, "") },
		"GetStorageConfiguration":        func() error { _, err := c.GetStorageConfiguration(ctx, ""); return err },
		"GetStorageConfigurationDetails": func() error { _, err := c.GetStorageConfigurationDetails(ctx, ""); return err },
		"ValidateStorageConfiguration":   func() error { return c.ValidateStorageConfiguration(ctx, "") },
		"ShareStorageConfiguration":      func() error { return c.ShareStorageConfiguration(ctx, "") },
	}
	for name, call := range calls {
		if err := call(); err == nil || !strings.Contains(err.Error(), "id is empty") {
			t.Errorf("%s: err = %v, want an empty-id error", name, err)
		}
	}
	if f.tokenCalls.Load() != 0 || len(f.recorded()) != 0 {
		t.Fatal("requests were sent for empty ids")
	}
}

func TestDecodingIsTolerant(t *testing.T) {
	f := newFakeICA(t)
	f.setHandler(func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", MediaType)
		switch {
		case strings.HasSuffix(r.URL.Path, "/api/storageConfigurations"):
			_, _ = w.Write([]byte(`{"items":[{"id":"` + configID + `","name":"cfg","status":"MIGRATING","type":"AWS_S3_NEW",
				"futureField":{"nested":[1,2]},"region":{"id":"` + regionID + `","code":"US","country":{"code":"US","name":"United States","extra":1}},
				"storageConfigurationDetails":{"awsS3":{"bucketName":"b","keyPrefix":"ica/","newKnob":true},"storageCredential":{"id":"` + credID + `","name":"c"}}},
				{"id":"x","name":"y","status":"OK"}],"nextPageToken":"abc"}`))
		case strings.HasSuffix(r.URL.Path, "/details"):
			_, _ = w.Write([]byte(`{"awsS3":{"bucketName":"b","keyPrefix":null,"serverSideEncryptionAlgorithm":"aws:kms"}}`))
		default:
			_, _ = w.Write([]byte(`{"id":"` + configID + `","status":"OK","errorMessage":null,"isDefault":true,"description":null}`))
		}
	})
	c := f.client(t)
	ctx := context.Background()
	list, err := c.ListStorageConfigurations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Status != "MIGRATING" || list[0].Type != "AWS_S3_NEW" || list[0].Region.Country.Code != "US" ||
		list[0].StorageConfigurationDetails == nil || list[0].StorageConfigurationDetails.StorageCredential == nil ||
		list[0].StorageConfigurationDetails.StorageCredential.ID != credID || *list[0].StorageConfigurationDetails.AWSS3.KeyPrefix != "ica/" ||
		list[1].StorageConfigurationDetails != nil {
		t.Fatalf("decoded %+v", list)
	}
	details, err := c.GetStorageConfigurationDetails(ctx, configID)
	if err != nil {
		t.Fatal(err)
	}
	if details.AWSS3.KeyPrefix != nil || *details.AWSS3.ServerSideEncryptionAlgorithm != "aws:kms" || details.StorageCredential != nil {
		t.Fatalf("details %+v", details.AWSS3)
	}
	cfg, err := c.GetStorageConfiguration(ctx, configID)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.IsDefault || cfg.ErrorMessage != nil || cfg.Status != StatusOK {
		t.Fatalf("configuration %+v", cfg)
	}
}

func TestNonJSONSuccessBodyIsAClearError(t *testing.T) {
	f := newFakeICA(t)
	f.setHandler(func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if strings.HasSuffix(r.URL.Path, "/api/regions") {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>Sign in</html>"))
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	c := f.client(t)
	_, err := c.ListRegions(context.Background())
	for _, want := range []string{"GET /api/regions", "200", "text/html", "base_url"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	_, err = c.GetStorageCredential(context.Background(), credID)
	if err == nil || !strings.Contains(err.Error(), "empty body") {
		t.Errorf("empty 200 body: err = %v", err)
	}
}
