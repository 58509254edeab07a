package icaopenapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/icaopenapi"
)

const (
	credID = "0b5c1f52-7d0a-4a57-9f59-2a1c8f0e6f11"
	uuidA  = "5e6f7a8b-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
)

func TestRoutesCustomVerbsAndBaseURLs(t *testing.T) {
	spec := icaopenapi.Load(t)
	cases := []struct{ method, url, op string }{
		{"POST", "http://127.0.0.1:1/api/tokens", "createJwtToken"},
		{"POST", "https://ica.illumina.com/ica/rest/api/tokens?tenant=x", "createJwtToken"},
		{"GET", "http://127.0.0.1:1/api/storageCredentials", "getStorageCredentials"},
		{"POST", "http://127.0.0.1:1/api/storageCredentials", "createStorageCredential"},
		{"GET", "http://127.0.0.1:1/api/storageCredentials/" + credID, "getStorageCredential"},
		{"POST", "http://127.0.0.1:1/api/storageCredentials/" + credID + ":updateSecrets", "updateStorageCredentialSecrets"},
		{"POST", "http://127.0.0.1:1/ica/rest/api/storageCredentials/" + credID + ":share", "shareStorageCredential"},
		{"GET", "http://127.0.0.1:1/api/storageConfigurations/" + credID, "getStorageConfiguration"},
		{"GET", "http://127.0.0.1:1/api/storageConfigurations/" + credID + "/details", "getStorageConfigurationDetails"},
		{"POST", "http://127.0.0.1:1/api/storageConfigurations/" + credID + ":validate", "validateStorageConfiguration"},
		{"POST", "http://127.0.0.1:1/api/storageConfigurations/" + credID + ":share", "shareStorageConfiguration"},
		{"GET", "http://127.0.0.1:1/api/regions/" + credID, "getRegion"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, c.url, nil)
		op, err := spec.Operation(r)
		if err != nil {
			t.Errorf("%s %s: %v", c.method, c.url, err)
			continue
		}
		if op != c.op {
			t.Errorf("%s %s routed to %s, want %s", c.method, c.url, op, c.op)
		}
	}
	for _, c := range []struct{ method, url string }{
		{"DELETE", "http://127.0.0.1:1/api/storageCredentials/" + credID},
		{"POST", "http://127.0.0.1:1/api/storageCredentials/" + credID + ":unshare"},
		{"GET", "http://127.0.0.1:1/api/nothingHere"},
	} {
		if op, err := spec.Operation(httptest.NewRequest(c.method, c.url, nil)); err == nil {
			t.Errorf("%s %s routed to %s, want no operation", c.method, c.url, op)
		}
	}
}

func jsonRequest(method, url, body string) *http.Request {
	r := httptest.NewRequest(method, url, strings.NewReader(body))
	r.Header.Set("Content-Type", icaopenapi.MediaType)
	return r
}

func TestRequestValidation(t *testing.T) {
	spec := icaopenapi.Load(t)
	const base = "http://127.0.0.1:1/api/storageConfigurations"
	good := `{"name":"my-store","storageCredentialId":"` + credID + `","type":"AWS_S3","regionId":"` + uuidA +
		`","awsDetails":{"bucketName":"bucket-1","keyPrefix":"ica/data/","serverSideEncryptionAlgorithm":"aws:kms"}}`
	if err := spec.CheckRequest(jsonRequest("POST", base, good), []byte(good)); err != nil {
		t.Errorf("valid create (keyPrefix needs the ECMAScript lookahead) rejected: %v", err)
	}
	for name, body := range map[string]string{
		"leading slash prefix": strings.Replace(good, `"ica/data/"`, `"/ica/"`, 1),
		"prefix without slash": strings.Replace(good, `"ica/data/"`, `"ica"`, 1),
		"upper-case name":      strings.Replace(good, `"my-store"`, `"My-Store"`, 1),
		"non-uuid region":      strings.Replace(good, uuidA, "us-east-1", 1),
		"wrong type":           strings.Replace(good, `"AWS_S3"`, `"GCS"`, 1),
		"missing name":         strings.Replace(good, `"name":"my-store",`, ``, 1),
	} {
		if err := spec.CheckRequest(jsonRequest("POST", base, body), []byte(body)); err == nil {
			t.Errorf("%s: invalid create accepted: %s", name, body)
		}
	}
	plain := httptest.NewRequest("POST", base, strings.NewReader(good))
	plain.Header.Set("Content-Type", "application/json")
	if err := spec.CheckRequest(plain, []byte(good)); err != nil {
		t.Errorf("application/json body rejected: %v", err)
	}
}

func TestResponseValidation(t *testing.T) {
	spec := icaopenapi.Load(t)
	r := httptest.NewRequest("GET", "http://127.0.0.1:1/api/storageCredentials/"+credID, nil)
	h := http.Header{"Content-Type": {icaopenapi.MediaType}, "Etag": {`"1"`}}
	good := `{"id":"` + credID + `","name":"c","type":"AWS_USER","ownerId":"` + uuidA + `","tenantId":"` + uuidA +
		`","timeCreated":"2026-01-02T03:04:05Z","timeModified":"2026-01-02T03:04:05Z"}`
	if err := spec.CheckResponse(r, 200, h, []byte(good)); err != nil {
		t.Errorf("valid credential rejected: %v", err)
	}
	for name, body := range map[string]string{
		"missing tenantId": strings.Replace(good, `"tenantId":"`+uuidA+`",`, ``, 1),
		"bad enum":         strings.Replace(good, `"AWS_USER"`, `"AWS_ROLE"`, 1),
		"bad uuid":         strings.Replace(good, credID, "cred-1", 1),
		"bad time":         strings.Replace(good, `"2026-01-02T03:04:05Z"`, `"yesterday"`, 1),
	} {
		if err := spec.CheckResponse(r, 200, h, []byte(body)); err == nil {
			t.Errorf("%s: invalid response accepted", name)
		}
	}
	ph := http.Header{"Content-Type": {icaopenapi.ProblemMediaType}}
	problem := `{"type":"about:blank","title":"Not Found","status":404,"parameters":{},"timestamp":"2026-01-02T03:04:05Z"}`
	if err := spec.CheckResponse(r, 404, ph, []byte(problem)); err != nil {
		t.Errorf("valid problem rejected: %v", err)
	}
	if err := spec.CheckResponse(r, 404, ph, []byte(`{"title":"Not Found","status":404}`)); err == nil {
		t.Error("problem without type, parameters and timestamp accepted")
	}
	if err := spec.CheckResponse(r, 404, h, []byte(problem)); err == nil {
		t.Error("error response with the success media type accepted")
	}
}

func TestMiddleware(t *testing.T) {
	spec := icaopenapi.Load(t)
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", icaopenapi.MediaType)
		_, _ = w.Write([]byte(`{"token":"a.b.c"}`))
	})
	srv := httptest.NewServer(spec.Middleware(t, inner))
	defer srv.Close()
	for _, p := range []string{"/api/tokens", "/_emulator/requests"} {
		res, err := http.Post(srv.URL+p, icaopenapi.MediaType, nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != icaopenapi.MediaType {
			t.Errorf("POST %s: got %d %q through the middleware", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
}
