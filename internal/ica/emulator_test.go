package ica_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/icaopenapi"
)

const emulatorKey = "emulator-api-key"

// startEmulator serves the ICA emulator, with every request and response checked against the
// OpenAPI document when it is present.
func startEmulator(t *testing.T, opts icaemulator.Options) *httptest.Server {
	t.Helper()
	opts.APIKey = emulatorKey
	emu := icaemulator.New(opts)
	srv := httptest.NewServer(icaopenapi.Optional(t).Middleware(t, emu))
	t.Cleanup(func() { srv.Close(); emu.Close() })
	return srv
}

func emulatorClient(t *testing.T, srv *httptest.Server) *ica.Client {
	t.Helper()
	c, err := ica.New(ica.Config{BaseURL: srv.URL, APIKey: emulatorKey, Tenant: icaemulator.TenantName,
		MaxRetries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func control(t *testing.T, srv *httptest.Server, method, path string, in, out any) {
	t.Helper()
	controlWith(t, http.DefaultClient, srv.URL, method, path, in, out)
}

func controlWith(t *testing.T, hc *http.Client, base, method, path string, in, out any) {
	t.Helper()
	var body bytes.Buffer
	if in != nil {
		_ = json.NewEncoder(&body).Encode(in)
	}
	req, _ := http.NewRequest(method, base+path, &body)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s", method, path, resp.Status)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// TestClientAgainstEmulator runs every client operation against the emulator: the two are written
// from the same API description by different hands, so a mismatch in paths, verbs, media types or
// field names shows up here.
func TestClientAgainstEmulator(t *testing.T) {
	srv := startEmulator(t, icaemulator.Options{ValidationDelay: 10 * time.Millisecond})
	c := emulatorClient(t, srv)
	ctx := context.Background()

	regions, err := c.ListRegions(ctx)
	if err != nil || len(regions) == 0 {
		t.Fatalf("ListRegions: %d regions, %v", len(regions), err)
	}
	var us *ica.Region
	for i := range regions {
		if regions[i].Country.Code == "US" {
			us = &regions[i]
		}
	}
	if us == nil || us.ID == "" {
		t.Fatalf("no US region in %+v", regions)
	}
	if got, err := c.GetRegion(ctx, us.ID); err != nil || got.ID != us.ID || got.Country.Code != "US" {
		t.Fatalf("GetRegion: %+v, %v", got, err)
	}

	created, err := c.CreateStorageCredential(ctx, ica.CreateStorageCredential{Name: "client-test_1", Type: ica.CredentialTypeAWSUser,
		AWSCredentials: &ica.AWSCredentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "first/secret"}})
	if err != nil || created.ID == "" || created.Name != "client-test_1" || created.Type != ica.CredentialTypeAWSUser {
		t.Fatalf("CreateStorageCredential: %+v, %v", created, err)
	}
	if got, err := c.GetStorageCredential(ctx, created.ID); err != nil || got.Name != created.Name {
		t.Fatalf("GetStorageCredential: %+v, %v", got, err)
	}
	creds, err := c.ListStorageCredentials(ctx)
	if err != nil || len(creds) != 1 || creds[0].ID != created.ID {
		t.Fatalf("ListStorageCredentials: %+v, %v", creds, err)
	}
	if err := c.UpdateStorageCredentialSecrets(ctx, created.ID, ica.AWSCredentials{AccessKeyID: "AKIAI44QH8DHBEXAMPLE", SecretAccessKey: "second/secret"}); err != nil {
		t.Fatalf("UpdateStorageCredentialSecrets: %v", err)
	}
	var stored []struct{ ID, AccessKeyID, SecretSha256 string }
	control(t, srv, "GET", "/_emulator/credentials", nil, &stored)
	sum := sha256.Sum256([]byte("second/secret"))
	if len(stored) != 1 || stored[0].AccessKeyID != "AKIAI44QH8DHBEXAMPLE" || stored[0].SecretSha256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("emulator holds %+v after :updateSecrets", stored)
	}
	if err := c.ShareStorageCredential(ctx, created.ID); err != nil {
		t.Fatalf("ShareStorageCredential: %v", err)
	}

	prefix, sse := "ica/", "AES256"
	cfg, err := c.CreateStorageConfiguration(ctx, ica.CreateStorageConfiguration{Name: "client-test", StorageCredentialID: created.ID,
		Type: ica.StorageTypeAWSS3, RegionID: us.ID,
		AWSDetails: &ica.AWSDetails{BucketName: "my-bucket", KeyPrefix: &prefix, ServerSideEncryptionAlgorithm: &sse}})
	if err != nil || cfg.ID == "" || cfg.Region.ID != us.ID {
		t.Fatalf("CreateStorageConfiguration: %+v, %v", cfg, err)
	}
	details, err := c.GetStorageConfigurationDetails(ctx, cfg.ID)
	if err != nil || details.AWSS3 == nil || details.AWSS3.BucketName != "my-bucket" || details.AWSS3.KeyPrefix == nil || *details.AWSS3.KeyPrefix != "ica/" {
		t.Fatalf("GetStorageConfigurationDetails: %+v, %v", details, err)
	}
	if err := c.ValidateStorageConfiguration(ctx, cfg.ID); err != nil {
		t.Fatalf("ValidateStorageConfiguration: %v", err)
	}
	if err := c.ShareStorageConfiguration(ctx, cfg.ID); err != nil {
		t.Fatalf("ShareStorageConfiguration: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := c.GetStorageConfiguration(ctx, cfg.ID)
		if err != nil {
			t.Fatalf("GetStorageConfiguration: %v", err)
		}
		if got.Status != ica.StatusInitializing {
			if got.Status != ica.StatusOK {
				t.Fatalf("status %s (%v), want OK", got.Status, got.ErrorMessage)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("configuration stayed INITIALIZING")
		}
		time.Sleep(10 * time.Millisecond)
	}
	list, err := c.ListStorageConfigurations(ctx)
	if err != nil || len(list) != 1 || list[0].ID != cfg.ID || list[0].StorageConfigurationDetails == nil ||
		list[0].StorageConfigurationDetails.AWSS3 == nil || list[0].StorageConfigurationDetails.AWSS3.BucketName != "my-bucket" {
		t.Fatalf("ListStorageConfigurations: %+v, %v", list, err)
	}

	_, err = c.GetStorageConfiguration(ctx, "00000000-0000-4000-8000-000000000000")
	if !ica.IsNotFound(err) {
		t.Fatalf("unknown configuration: err = %v, want IsNotFound", err)
	}
	_, err = c.CreateStorageCredential(ctx, ica.CreateStorageCredential{Name: "client-test_1", Type: ica.CredentialTypeAWSUser,
		AWSCredentials: &ica.AWSCredentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "x"}})
	if !ica.IsConflict(err) {
		t.Fatalf("duplicate credential name: err = %v, want IsConflict", err)
	}
}

func TestClientRecoversFromEmulatorFaultsAndTokenExpiry(t *testing.T) {
	// In memory and on a synctest clock: the JWT's lifetime passes without the test waiting for it.
	synctest.Test(t, func(t *testing.T) {
		emu := icaemulator.New(icaemulator.Options{APIKey: emulatorKey, TokenTTL: 200 * time.Millisecond})
		t.Cleanup(emu.Close)
		transport := ica.MemoryTransport(icaopenapi.Optional(t).Middleware(t, emu))
		const base = "https://ica.test"
		c, err := ica.New(ica.Config{BaseURL: base, APIKey: emulatorKey, Tenant: icaemulator.TenantName,
			MaxRetries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
			HTTPClient: &http.Client{Transport: transport}})
		if err != nil {
			t.Fatal(err)
		}
		hc := &http.Client{Transport: transport}
		ctx := context.Background()
		controlWith(t, hc, base, "POST", "/_emulator/faults", map[string]any{"method": "GET", "path": "/api/regions", "status": 503, "count": 2}, nil)
		if _, err := c.ListRegions(ctx); err != nil {
			t.Fatalf("after two injected 503s: %v", err)
		}
		controlWith(t, hc, base, "POST", "/_emulator/faults", map[string]any{"method": "GET", "path": "/api/regions", "drop": true, "count": 1}, nil)
		if _, err := c.ListRegions(ctx); err != nil {
			t.Fatalf("after a dropped connection: %v", err)
		}
		time.Sleep(300 * time.Millisecond) // the JWT expires (fake time)
		if _, err := c.ListStorageCredentials(ctx); err != nil {
			t.Fatalf("after token expiry: %v", err)
		}
		var requests []struct {
			Method, Path string
			Status       int
		}
		controlWith(t, hc, base, "GET", "/_emulator/requests", nil, &requests)
		var tokens, unauthorized int
		for _, r := range requests {
			if r.Path == "/api/tokens" {
				tokens++
			}
			if r.Status == http.StatusUnauthorized {
				unauthorized++
			}
		}
		if tokens != 2 || unauthorized != 1 {
			t.Fatalf("token mints = %d, 401s = %d, want 2 and 1: %+v", tokens, unauthorized, requests)
		}
	})
}
