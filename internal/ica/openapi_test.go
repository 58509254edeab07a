package ica

import (
	"context"
	"net/http"
	"testing"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/icaopenapi"
)

// TestRequestsMatchOpenAPI sends every client operation (and the token mint, with a tenant) to a
// server that validates each request against ICA's published OpenAPI document: paths including
// the custom verbs under a base path, methods, media types and bodies. Skipped, saying so, when the
// document is absent (it is not part of the repository); fails instead when CI=true.
func TestRequestsMatchOpenAPI(t *testing.T) {
	spec := icaopenapi.Load(t)
	wantOperation := map[string]string{
		"ListRegions":                    "getRegions",
		"GetRegion":                      "getRegion",
		"ListStorageCredentials":         "getStorageCredentials",
		"GetStorageCredential":           "getStorageCredential",
		"CreateStorageCredential":        "createStorageCredential",
		"UpdateStorageCredentialSecrets": "updateStorageCredentialSecrets",
		"ShareStorageCredential":         "shareStorageCredential",
		"ListStorageConfigurations":      "getStorageConfigurations",
		"GetStorageConfiguration":        "getStorageConfiguration",
		"GetStorageConfigurationDetails": "getStorageConfigurationDetails",
		"CreateStorageConfiguration":     "createStorageConfiguration",
		"ValidateStorageConfiguration":   "validateStorageConfiguration",
		"ShareStorageConfiguration":      "shareStorageConfiguration",
	}
	for _, tt := range endpointCases() {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeICA(t)
			var operations []string
			f.validate = func(r *http.Request, body []byte) {
				spec.ValidateRequest(t, r, body)
				op, err := spec.Operation(r)
				if err != nil {
					t.Error(err)
				}
				operations = append(operations, op)
			}
			f.setHandler(func(w http.ResponseWriter, r *http.Request, _ []byte) { answerFor(w, r) })
			c := f.client(t, func(cfg *Config) { cfg.Tenant = "acme" })
			if err := tt.call(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			want := []string{"createJwtToken", wantOperation[tt.name]}
			if len(operations) != 2 || operations[0] != want[0] || operations[1] != want[1] {
				t.Fatalf("operations = %v, want %v", operations, want)
			}
		})
	}
}

// TestOpenAPICheckIsLive guards the test above against validating nothing: a request the document
// forbids (a credential name with a space) must be reported.
func TestOpenAPICheckIsLive(t *testing.T) {
	spec := icaopenapi.Load(t)
	f := newFakeICA(t)
	var checkErr error
	f.validate = func(r *http.Request, body []byte) {
		if r.URL.Path == basePath+"/api/storageCredentials" {
			checkErr = spec.CheckRequest(r, body)
		}
	}
	f.setHandler(func(w http.ResponseWriter, r *http.Request, _ []byte) { answerFor(w, r) })
	_, err := f.client(t).CreateStorageCredential(context.Background(), CreateStorageCredential{Name: "not valid!", Type: CredentialTypeAWSUser,
		AWSCredentials: &AWSCredentials{AccessKeyID: "AKIA", SecretAccessKey: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	if checkErr == nil {
		t.Fatal("the OpenAPI check accepted a credential name the document forbids")
	}
}
