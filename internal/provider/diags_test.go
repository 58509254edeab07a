package provider

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

func TestAddICAError(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{
			name: "problem json",
			err: fmt.Errorf("wrapped: %w", &ica.APIError{Method: "POST", Path: "/api/storageCredentials", StatusCode: 400,
				Title: "Bad Request", Detail: "Validation failed", ID: "e-1", Parameters: map[string]string{"name": "too long"}}),
			want: []string{`Could not create ICA storage credential "x": ICA answered 400 Bad Request: Validation failed (name: too long) [ICA error id e-1]. Fix the value ICA rejected`},
		},
		{
			name: "rate limited",
			err:  &ica.APIError{StatusCode: 503},
			want: []string{"ICA answered 503", "raise the provider's max_retries"},
		},
		{
			name: "hint wins",
			err:  &ica.APIError{StatusCode: 401, Hint: "The API key was rejected."},
			want: []string{"ICA answered 401. The API key was rejected."},
		},
		{
			name: "no credentials",
			err:  ica.ErrNoCredentials,
			want: []string{"set api_key or access_token in the provider block, or the ICA_API_KEY"},
		},
		{
			name: "network",
			err:  errors.New("dial tcp 127.0.0.1:1: connection refused"),
			want: []string{"connection refused. Check base_url"},
		},
		{
			name: "no answer",
			err: &ica.NoAnswerError{Endpoint: "https://ica.example.org/ica/rest", Method: "POST", Path: "/api/storageCredentials",
				Timeout: 20 * time.Second, MayExist: true},
			want: []string{`Could not create ICA storage credential "x": ICA at https://ica.example.org/ica/rest did not answer ` +
				`POST /api/storageCredentials within 20s`, "request_timeout", "adopts it by name. Run the command again once ICA answers."},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			addICAError(&diags, "create", "storage credential", "x", tc.err)
			if len(diags) != 1 || diags[0].Summary() != "Could not create ICA storage credential" {
				t.Fatalf("unexpected diagnostics %v", diags)
			}
			for _, w := range tc.want {
				if !strings.Contains(diags[0].Detail(), w) {
					t.Errorf("detail %q lacks %q", diags[0].Detail(), w)
				}
			}
		})
	}
}
