package ica

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestValidateBaseURL(t *testing.T) {
	tests := []struct {
		url     string
		wantErr string // "" = valid
	}{
		{"https://ica.illumina.com/ica/rest", ""},
		{"https://ica.illumina.com/ica/rest/", ""},
		{"https://ica.example.org:8443/x", ""},
		{"http://127.0.0.1:8080", ""},
		{"http://127.0.0.42:8080/ica/rest", ""},
		{"http://localhost:9000", ""},
		{"http://LOCALHOST", ""},
		{"http://[::1]:9000/", ""},
		{"http://ica.illumina.com/ica/rest", "non-loopback host \"ica.illumina.com\""},
		{"http://10.0.0.5:8080", "unencrypted"},
		{"http://localhost.evil.com", "non-loopback"},
		{"http://[::ffff:8.8.8.8]/", "non-loopback"},
		{"", "base_url is empty"},
		{"   ", "base_url is empty"},
		{"ica.illumina.com/ica/rest", "must start with https://"},
		{"ftp://ica.illumina.com", "must start with https://"},
		{"https://", "has no host"},
		{"https:///ica/rest", "has no host"},
		{"://bad", "not a valid URL"},
		{"https://ica.illumina.com/ica/rest\x7f", "not a valid URL"},
		{"https://user:pw@ica.illumina.com/ica/rest", "must not contain a user name or password"},
		{"https://ica.illumina.com/ica/rest?x=1", "must not have a query"},
		{"https://ica.illumina.com/ica/rest#frag", "must not have a query or fragment"},
	}
	for _, tt := range tests {
		err := ValidateBaseURL(tt.url)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ValidateBaseURL(%q) = %v, want ok", tt.url, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ValidateBaseURL(%q) = %v, want an error containing %q", tt.url, err, tt.wantErr)
		}
	}
	// The refusal of remote http explains the fix.
	err := ValidateBaseURL("http://ica.illumina.com/ica/rest")
	for _, want := range []string{"https://", "127.0.0.1", "localhost"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if err := ValidateBaseURL("https://user:hunter2@ica.illumina.com"); strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q repeats the password", err)
	}
}

func TestNewDefaultsAndChecks(t *testing.T) {
	// The contract: MaxRetries < 0 selects the default; 0 (the zero value) means no retries.
	c, err := New(Config{APIKey: "k", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if c.baseURL != DefaultBaseURL || c.maxRetries != 4 || c.retryWaitMin != time.Second || c.retryWaitMax != 30*time.Second ||
		c.userAgent != "terraform-provider-ica" || c.httpClient == nil || c.httpClient.Timeout != DefaultRequestTimeout ||
		c.requestTimeout != 20*time.Second || !c.HasCredentials() {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = New(Config{BaseURL: "http://127.0.0.1:1/ica/rest///", MaxRetries: 0, RetryWaitMin: time.Second, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if c.baseURL != "http://127.0.0.1:1/ica/rest" || c.maxRetries != 0 || c.retryWaitMax != time.Second || c.HasCredentials() {
		t.Fatalf("explicit settings: base %q retries %d max wait %v", c.baseURL, c.maxRetries, c.retryWaitMax)
	}
	own := &http.Client{Transport: &http.Transport{}, Timeout: time.Hour}
	c, _ = New(Config{HTTPClient: own, MaxRetries: 7, RequestTimeout: 3 * time.Second})
	if c.httpClient.Transport != own.Transport || c.httpClient.Timeout != 3*time.Second || c.maxRetries != 7 {
		t.Fatal("the caller's transport, RequestTimeout or MaxRetries was not used")
	}
	if own.Timeout != time.Hour {
		t.Fatal("New changed the caller's http.Client")
	}
	if _, err := New(Config{BaseURL: "http://example.com"}); err == nil {
		t.Fatal("New accepted a remote http base URL")
	}
	_, err = New(Config{APIKey: "k", AccessToken: "t"})
	if err == nil || !strings.Contains(err.Error(), "only one of api_key") {
		t.Fatalf("both credentials: err = %v", err)
	}
}
