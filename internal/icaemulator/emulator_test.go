package icaemulator_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/regions"
)

func TestAuthentication(t *testing.T) {
	s := newServer(t, icaemulator.Options{TokenTTL: 300 * time.Millisecond})

	for name, h := range map[string]http.Header{
		"no credentials":    {},
		"wrong API key":     {"X-Api-Key": {"nope"}},
		"garbage bearer":    {"Authorization": {"Bearer a.b.c"}},
		"basic auth":        {"Authorization": {"Basic dXNlcjpwYXNz"}},
		"bad bearer + key":  {"Authorization": {"Bearer x"}, "X-Api-Key": {testKey}},
		"empty bearer":      {"Authorization": {"Bearer "}},
		"forged not-a-jwt":  {"Authorization": {"Bearer " + strings.Repeat("a", 40)}},
		"wrong key, tokens": {"X-Api-Key": {"nope"}},
	} {
		path := "/api/regions"
		method := "GET"
		if name == "wrong key, tokens" {
			path, method = "/api/tokens", "POST"
		}
		res := s.do(method, path, nil, h)
		if res.status != 401 {
			t.Errorf("%s: %s %s returned %d, want 401", name, method, path, res.status)
			continue
		}
		res.problem(t)
	}

	s.must(200, "GET", "/api/regions", nil) // X-API-Key

	var tok struct{ Token string }
	s.must(200, "POST", "/api/tokens", nil).json(t, &tok)
	if parts := strings.Split(tok.Token, "."); len(parts) != 3 {
		t.Fatalf("token %q is not a three-part JWT", tok.Token)
	}
	bearer := http.Header{"Authorization": {"Bearer " + tok.Token}}
	if res := s.do("GET", "/api/storageCredentials", nil, bearer); res.status != 200 {
		t.Fatalf("bearer token refused: %d %s", res.status, res.body)
	}
	// A tampered signature is refused.
	tampered := tok.Token[:len(tok.Token)-2] + "xx"
	if res := s.do("GET", "/api/regions", nil, http.Header{"Authorization": {"Bearer " + tampered}}); res.status != 401 {
		t.Errorf("tampered token returned %d, want 401", res.status)
	}

	if res := s.do("POST", "/api/tokens?tenant="+icaemulator.TenantName, nil, nil); res.status != 200 {
		t.Errorf("token for the emulator's tenant returned %d", res.status)
	}
	if res := s.do("POST", "/api/tokens?tenant=someone-else", nil, nil); res.status != 401 {
		t.Errorf("token for a foreign tenant returned %d, want 401", res.status)
	}
	if res := s.do("POST", "/api/tokens", nil, bearer); res.status != 401 {
		t.Errorf("POST /api/tokens with only a bearer returned %d, want 401 (ICA mints from an API key)", res.status)
	}
	if res := s.do("POST", "/api/tokens:refresh", nil, bearer); res.status != 400 {
		t.Errorf("refreshing an API-key token returned %d, want 400", res.status)
	} else {
		res.problem(t)
	}
	if res := s.do("POST", "/api/tokens:refresh", nil, nil); res.status != 401 {
		t.Errorf("refreshing without a bearer returned %d, want 401", res.status)
	}
	if res := s.doUnchecked("GET", "/api/tokens", nil, nil); res.status != 405 || res.header.Get("Allow") != "POST" {
		t.Errorf("GET /api/tokens returned %d Allow=%q, want 405 Allow=POST", res.status, res.header.Get("Allow"))
	}

	time.Sleep(350 * time.Millisecond)
	res := s.do("GET", "/api/regions", nil, bearer)
	if res.status != 401 {
		t.Fatalf("expired token returned %d, want 401", res.status)
	}
	if p := res.problem(t); !strings.Contains(p.Detail, "expired") {
		t.Errorf("expired-token problem does not say so: %q", p.Detail)
	}
}

func TestTokenExpiresAfterShortTTL(t *testing.T) {
	s := newServer(t, icaemulator.Options{TokenTTL: 50 * time.Millisecond})
	var tok struct{ Token string }
	s.must(200, "POST", "/api/tokens", nil).json(t, &tok)
	time.Sleep(80 * time.Millisecond)
	if res := s.do("GET", "/api/regions", nil, http.Header{"Authorization": {"Bearer " + tok.Token}}); res.status != 401 {
		t.Errorf("a 50ms token still works after 80ms: %d", res.status)
	}
}

func TestRegions(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	var list struct {
		Items []struct {
			ID       string `json:"id"`
			Code     string `json:"code"`
			CityName string `json:"cityName"`
			Country  struct {
				Code, Name, Region string
			} `json:"country"`
		} `json:"items"`
	}
	s.must(200, "GET", "/api/regions", nil).json(t, &list)
	table := regions.All()
	if len(list.Items) != len(table) {
		t.Fatalf("%d regions, want one per table row (%d)", len(list.Items), len(table))
	}
	for i, row := range table {
		got := list.Items[i]
		if got.ID != icaemulator.RegionID(row.CountryCode) || got.Country.Code != row.CountryCode || got.Country.Name != row.Name {
			t.Errorf("region %d = %+v, want id %s, country %s %q", i, got, icaemulator.RegionID(row.CountryCode), row.CountryCode, row.Name)
		}
		if got.CityName == "" || got.Code == "" || got.Country.Region == "" {
			t.Errorf("region %s lacks cityName, code or country.region: %+v", row.Name, got)
		}
	}
	if icaemulator.RegionID("us") != icaemulator.RegionID("US") || icaemulator.RegionID("US") == icaemulator.RegionID("GB") {
		t.Error("RegionID is not stable per country code")
	}

	us := icaemulator.RegionID("US")
	res := s.must(200, "GET", "/api/regions/"+us, nil)
	if !strings.Contains(string(res.body), `"name":"United States"`) {
		t.Errorf("GET region %s: %s", us, res.body)
	}
	s.must(404, "GET", "/api/regions/"+uuid.NewString(), nil).problem(t)
	s.must(404, "GET", "/api/regions/not-a-uuid", nil).problem(t)
	if res := s.doUnchecked("DELETE", "/api/regions/"+us, nil, nil); res.status != 405 {
		t.Errorf("DELETE region returned %d, want 405", res.status)
	}
}

func TestStorageCredentials(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	const secret = "s3cr3t/Key+value"

	res := s.must(201, "POST", "/api/storageCredentials", credentialBody("cred_1-A", "AKIAEXAMPLE", secret))
	if res.header.Get("ETag") == "" {
		t.Error("create returned no ETag")
	}
	if ct := res.header.Get("Content-Type"); ct != "application/vnd.illumina.v3+json" {
		t.Errorf("Content-Type %q", ct)
	}
	var c credential
	res.json(t, &c)
	if _, err := uuid.Parse(c.ID); err != nil || c.Name != "cred_1-A" || c.Type != "AWS_USER" || c.OwnerID == "" || c.TenantID == "" || c.TimeCreated == "" {
		t.Errorf("created credential %+v", c)
	}
	assertNoSecret(t, res.body, secret, "AKIAEXAMPLE")
	var raw map[string]any
	res.json(t, &raw)
	for k := range raw {
		switch k {
		case "id", "name", "type", "ownerId", "tenantId", "tenantName", "timeCreated", "timeModified":
		default:
			t.Errorf("credential has field %q, which ICA does not return", k)
		}
	}

	get := s.must(200, "GET", "/api/storageCredentials/"+c.ID, nil)
	if get.header.Get("ETag") == "" {
		t.Error("get returned no ETag")
	}
	var got credential
	get.json(t, &got)
	if got != c {
		t.Errorf("get = %+v, want %+v", got, c)
	}
	var list struct{ Items []credential }
	s.must(200, "GET", "/api/storageCredentials", nil).json(t, &list)
	if len(list.Items) != 1 || list.Items[0] != c {
		t.Errorf("list = %+v", list.Items)
	}

	dup := s.do("POST", "/api/storageCredentials", credentialBody("cred_1-A", "AKIAOTHER", "x"), nil)
	if dup.status != 409 {
		t.Fatalf("duplicate name returned %d, want 409", dup.status)
	}
	if p := dup.problem(t); !strings.Contains(p.Detail, c.ID) {
		t.Errorf("conflict does not name the existing credential: %q", p.Detail)
	}

	creds := s.credentials()
	if len(creds) != 1 || creds[0].ID != c.ID || creds[0].AccessKeyID != "AKIAEXAMPLE" || creds[0].SecretSha256 != icaemulator.SecretSHA256(secret) || creds[0].Shared {
		t.Errorf("control credentials = %+v", creds)
	}

	s.must(204, "POST", "/api/storageCredentials/"+c.ID+":updateSecrets",
		map[string]any{"awsCredentials": map[string]any{"accessKeyId": "AKIANEW", "secretAccessKey": "new-secret"}})
	creds = s.credentials()
	if creds[0].AccessKeyID != "AKIANEW" || creds[0].SecretSha256 != icaemulator.SecretSHA256("new-secret") {
		t.Errorf("after updateSecrets: %+v", creds[0])
	}
	var after credential
	s.must(200, "GET", "/api/storageCredentials/"+c.ID, nil).json(t, &after)
	if after.TimeModified == c.TimeModified && after.TimeModified != "" {
		// Millisecond timestamps may collide on a fast machine; the ETag must still change.
		if s.must(200, "GET", "/api/storageCredentials/"+c.ID, nil).header.Get("ETag") == get.header.Get("ETag") {
			t.Error("updateSecrets changed neither timeModified nor the ETag")
		}
	}

	s.must(204, "POST", "/api/storageCredentials/"+c.ID+":share", nil)
	s.must(204, "POST", "/api/storageCredentials/"+c.ID+":share", nil)
	if !s.credentials()[0].Shared {
		t.Error(":share did not mark the credential shared")
	}

	missing := uuid.NewString()
	s.must(404, "GET", "/api/storageCredentials/"+missing, nil).problem(t)
	s.must(404, "GET", "/api/storageCredentials/not-a-uuid", nil).problem(t)
	s.must(404, "POST", "/api/storageCredentials/"+missing+":share", nil).problem(t)
	s.must(404, "POST", "/api/storageCredentials/"+missing+":updateSecrets",
		map[string]any{"awsCredentials": map[string]any{"accessKeyId": "a", "secretAccessKey": "b"}}).problem(t)
	for _, m := range []string{"DELETE", "PUT", "PATCH"} {
		res := s.doUnchecked(m, "/api/storageCredentials/"+c.ID, nil, nil)
		if res.status != 405 {
			t.Errorf("%s credential returned %d, want 405 (ICA has no such operation)", m, res.status)
		}
	}
	for _, p := range []string{"/x", ":", "::share", ":share:again", "/:share"} {
		if res := s.doUnchecked("POST", "/api/storageCredentials/"+c.ID+p, nil, nil); res.status != 404 {
			t.Errorf("POST /api/storageCredentials/ID%s returned %d, want 404", p, res.status)
		}
	}
	if res := s.doUnchecked("GET", "/api/storageCredentials/", nil, nil); res.status != 404 {
		t.Errorf("GET /api/storageCredentials/ returned %d, want 404", res.status)
	}
	if res := s.doUnchecked("GET", "/api/storageCredentials/"+c.ID+":share", nil, nil); res.status != 405 {
		t.Errorf("GET :share returned %d, want 405", res.status)
	}
}

// assertNoSecret fails when a response body carries a secret.
func assertNoSecret(t *testing.T, body []byte, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if strings.Contains(string(body), sec) {
			t.Errorf("response contains the secret %q: %s", sec, body)
		}
	}
}

func TestStorageCredentialValidation(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	long := strings.Repeat("a", 151)
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"bad characters", credentialBody("my cred!", "AKIA", "s"), "name"},
		{"too long", credentialBody(long, "AKIA", "s"), "name"},
		{"empty name", credentialBody("", "AKIA", "s"), "name"},
		{"no name", map[string]any{"type": "AWS_USER", "awsCredentials": map[string]any{"accessKeyId": "a", "secretAccessKey": "b"}}, "name"},
		{"no type", map[string]any{"name": "n", "awsCredentials": map[string]any{"accessKeyId": "a", "secretAccessKey": "b"}}, "type"},
		{"no aws credentials", map[string]any{"name": "n", "type": "AWS_USER"}, "awsCredentials"},
		{"key id with =", credentialBody("n", "AKIA=", "s"), "awsCredentials.accessKeyId"},
		{"secret with ,", credentialBody("n", "AKIA", "a,b"), "awsCredentials.secretAccessKey"},
		{"secret too long", credentialBody("n", "AKIA", strings.Repeat("s", 101)), "awsCredentials.secretAccessKey"},
		{"empty key id", credentialBody("n", "", "s"), "awsCredentials.accessKeyId"},
		{"no secret", map[string]any{"name": "n", "type": "AWS_USER", "awsCredentials": map[string]any{"accessKeyId": "a"}}, "awsCredentials.secretAccessKey"},
		{"name not a string", `{"name":5,"type":"AWS_USER","awsCredentials":{"accessKeyId":"a","secretAccessKey":"b"}}`, "name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := s.in(t)
			// Invalid bodies are checked by the emulator, not refused by the OpenAPI request check.
			res := s.doUnchecked("POST", "/api/storageCredentials", c.body, nil)
			if res.status != 400 {
				t.Fatalf("returned %d, want 400: %s", res.status, res.body)
			}
			if p := res.problem(t); p.Parameters[c.field] == "" {
				t.Errorf("problem does not name %q: %s", c.field, res.body)
			}
			assertNoSecret(t, res.body, "a,b")
		})
	}
	if res := s.doUnchecked("POST", "/api/storageCredentials", `{"name":`, nil); res.status != 400 {
		t.Errorf("broken JSON returned %d", res.status)
	}
	if res := s.doUnchecked("POST", "/api/storageCredentials", "", nil); res.status != 400 {
		t.Errorf("empty body returned %d", res.status)
	}
	res := s.doUnchecked("POST", "/api/storageCredentials", `{}`, http.Header{"X-Api-Key": {testKey}, "Content-Type": {"text/plain"}})
	if res.status != 415 {
		t.Errorf("text/plain body returned %d, want 415", res.status)
	}
	plain := s.do("POST", "/api/storageCredentials", credentialBody("plain-json", "a", "b"),
		http.Header{"X-Api-Key": {testKey}, "Content-Type": {"application/json"}})
	if plain.status != 201 {
		t.Errorf("application/json body returned %d, want 201", plain.status)
	}

	c := s.createCredential("upd", "AKIA", "s")
	for name, body := range map[string]any{
		"no awsCredentials": map[string]any{},
		"bad key":           map[string]any{"awsCredentials": map[string]any{"accessKeyId": "a=b", "secretAccessKey": "s"}},
	} {
		if res := s.doUnchecked("POST", "/api/storageCredentials/"+c.ID+":updateSecrets", body, nil); res.status != 400 {
			t.Errorf("updateSecrets with %s returned %d, want 400", name, res.status)
		}
	}
	if got := s.credentials(); len(got) != 2 || got[1].SecretSha256 != icaemulator.SecretSHA256("s") {
		t.Errorf("a refused updateSecrets changed the credential: %+v", got)
	}
}

func TestStorageConfigurations(t *testing.T) {
	s := newServer(t, icaemulator.Options{ValidationDelay: 100 * time.Millisecond})
	cred := s.createCredential("cfg-cred", "AKIA", "secret")
	us := icaemulator.RegionID("US")
	body := configBody("my-store.1", cred.ID, us, "my-bucket", "ica/")
	body["description"] = "emulated"
	body["awsDetails"].(map[string]any)["serverSideEncryptionAlgorithm"] = "aws:kms"
	body["awsDetails"].(map[string]any)["serverSideEncryptionKey"] = "arn:aws:kms:us-east-1:111122223333:key/k"

	res := s.must(201, "POST", "/api/storageConfigurations", body)
	if res.header.Get("ETag") == "" {
		t.Error("create returned no ETag")
	}
	var c storageConfiguration
	res.json(t, &c)
	if c.Status != "INITIALIZING" || c.ErrorMessage != nil || c.Name != "my-store.1" || c.Type != "AWS_S3" || c.Region.ID != us || c.Region.Country.Code != "US" || *c.Description != "emulated" || c.IsDefault {
		t.Errorf("created configuration %+v", c)
	}
	assertOnlyFields(t, res.body, "StorageConfiguration", "id", "name", "description", "type", "status", "errorMessage", "region",
		"isDefault", "ownerId", "tenantId", "tenantName", "timeCreated", "timeModified")

	get := s.must(200, "GET", "/api/storageConfigurations/"+c.ID, nil)
	if get.header.Get("ETag") == "" {
		t.Error("get returned no ETag")
	}
	assertOnlyFields(t, get.body, "StorageConfiguration", "id", "name", "description", "type", "status", "errorMessage", "region",
		"isDefault", "ownerId", "tenantId", "tenantName", "timeCreated", "timeModified")

	var details struct {
		AWSS3 awsDetails `json:"awsS3"`
	}
	dres := s.must(200, "GET", "/api/storageConfigurations/"+c.ID+"/details", nil)
	dres.json(t, &details)
	assertOnlyFields(t, dres.body, "details", "awsS3")
	if d := details.AWSS3; d.BucketName != "my-bucket" || *d.KeyPrefix != "ica/" || *d.ServerSideEncryptionAlgorithm != "aws:kms" || !strings.HasPrefix(*d.ServerSideEncryptionKey, "arn:aws:kms:") {
		t.Errorf("details = %+v", d)
	}

	var list struct{ Items []storageConfiguration }
	s.must(200, "GET", "/api/storageConfigurations", nil).json(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("list has %d items", len(list.Items))
	}
	item := list.Items[0]
	if item.StorageConfigurationDetails == nil || item.StorageConfigurationDetails.AWSS3.BucketName != "my-bucket" ||
		item.StorageConfigurationDetails.StorageCredential == nil || item.StorageConfigurationDetails.StorageCredential.ID != cred.ID {
		t.Errorf("list item details = %+v", item.StorageConfigurationDetails)
	}

	if settled := s.waitSettled(c.ID); settled.Status != "OK" || settled.ErrorMessage != nil {
		t.Errorf("without an AWS endpoint the configuration settled as %s %v, want OK", settled.Status, settled.ErrorMessage)
	}
	// :validate starts over.
	s.must(204, "POST", "/api/storageConfigurations/"+c.ID+":validate", nil)
	if got := s.getConfig(c.ID); got.Status != "INITIALIZING" {
		t.Errorf("after :validate status = %s, want INITIALIZING", got.Status)
	}
	if settled := s.waitSettled(c.ID); settled.Status != "OK" {
		t.Errorf("re-validation settled as %s", settled.Status)
	}
	s.must(204, "POST", "/api/storageConfigurations/"+c.ID+":share", nil)

	dup := s.do("POST", "/api/storageConfigurations", configBody("my-store.1", cred.ID, us, "other-bucket", nil), nil)
	if dup.status != 409 {
		t.Errorf("duplicate name returned %d, want 409", dup.status)
	} else {
		dup.problem(t)
	}

	missing := uuid.NewString()
	for _, p := range []string{"", "/details"} {
		s.must(404, "GET", "/api/storageConfigurations/"+missing+p, nil).problem(t)
	}
	for _, verb := range []string{":validate", ":share"} {
		s.must(404, "POST", "/api/storageConfigurations/"+missing+verb, nil).problem(t)
	}
	if res := s.doUnchecked("POST", "/api/storageConfigurations/"+c.ID+":setDefault", nil, nil); res.status != 404 {
		t.Errorf(":setDefault returned %d, want 404", res.status)
	} else {
		res.problem(t)
	}
	for _, m := range []string{"DELETE", "PUT", "PATCH"} {
		if res := s.doUnchecked(m, "/api/storageConfigurations/"+c.ID, nil, nil); res.status != 405 {
			t.Errorf("%s configuration returned %d, want 405 (ICA has no such operation)", m, res.status)
		}
	}

	// A credential removed in the UI turns the configuration ERROR, as ICA's monitoring would.
	s.must(204, "DELETE", "/_emulator/credentials/"+cred.ID, nil)
	got := s.getConfig(c.ID)
	if got.Status != "ERROR" || got.ErrorMessage == nil || !strings.Contains(*got.ErrorMessage, cred.ID) {
		t.Errorf("after the credential vanished: %s %v", got.Status, got.ErrorMessage)
	}
	s.must(404, "GET", "/api/storageCredentials/"+cred.ID, nil)
	s.must(404, "DELETE", "/_emulator/credentials/"+cred.ID, nil)

	s.must(204, "DELETE", "/_emulator/storageConfigurations/"+c.ID, nil)
	s.must(404, "GET", "/api/storageConfigurations/"+c.ID, nil)
	s.must(404, "DELETE", "/_emulator/storageConfigurations/"+c.ID, nil)
}

// assertOnlyFields checks the top-level members of a JSON object: the emulator must not return fields
// that ICA does not (a client could come to rely on them).
func assertOnlyFields(t *testing.T, body []byte, what string, allowed ...string) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s is not a JSON object: %s", what, body)
	}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for k := range m {
		if !ok[k] {
			t.Errorf("%s has field %q, which ICA does not return there", what, k)
		}
	}
}

func TestStorageConfigurationValidation(t *testing.T) {
	s := newServer(t, icaemulator.Options{})
	cred := s.createCredential("v-cred", "AKIA", "secret")
	us := icaemulator.RegionID("US")
	with := func(mut func(b map[string]any)) map[string]any {
		b := configBody("valid-name", cred.ID, us, "bucket", "data/")
		mut(b)
		return b
	}
	aws := func(b map[string]any) map[string]any { return b["awsDetails"].(map[string]any) }
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"upper-case name", with(func(b map[string]any) { b["name"] = "MyStore" }), "name"},
		{"short name", with(func(b map[string]any) { b["name"] = "ab" }), "name"},
		{"long name", with(func(b map[string]any) { b["name"] = "abcdefghijklmnop" }), "name"},
		{"name ends with dash", with(func(b map[string]any) { b["name"] = "store-" }), "name"},
		{"no name", with(func(b map[string]any) { delete(b, "name") }), "name"},
		{"wrong type", with(func(b map[string]any) { b["type"] = "GCS" }), "type"},
		{"credential not a uuid", with(func(b map[string]any) { b["storageCredentialId"] = "cred" }), "storageCredentialId"},
		{"unknown credential", with(func(b map[string]any) { b["storageCredentialId"] = uuid.NewString() }), "storageCredentialId"},
		{"unknown region", with(func(b map[string]any) { b["regionId"] = uuid.NewString() }), "regionId"},
		{"region not a uuid", with(func(b map[string]any) { b["regionId"] = "us-east-1" }), "regionId"},
		{"no awsDetails", with(func(b map[string]any) { delete(b, "awsDetails") }), "awsDetails"},
		{"short bucket", with(func(b map[string]any) { aws(b)["bucketName"] = "ab" }), "awsDetails.bucketName"},
		{"long bucket", with(func(b map[string]any) { aws(b)["bucketName"] = strings.Repeat("b", 64) }), "awsDetails.bucketName"},
		{"no bucket", with(func(b map[string]any) { delete(aws(b), "bucketName") }), "awsDetails.bucketName"},
		{"leading slash prefix", with(func(b map[string]any) { aws(b)["keyPrefix"] = "/data/" }), "awsDetails.keyPrefix"},
		{"prefix without trailing slash", with(func(b map[string]any) { aws(b)["keyPrefix"] = "data" }), "awsDetails.keyPrefix"},
		{"empty prefix", with(func(b map[string]any) { aws(b)["keyPrefix"] = "" }), "awsDetails.keyPrefix"},
		{"bad SSE", with(func(b map[string]any) { aws(b)["serverSideEncryptionAlgorithm"] = "DES" }), "awsDetails.serverSideEncryptionAlgorithm"},
		{"long description", with(func(b map[string]any) { b["description"] = strings.Repeat("d", 1001) }), "description"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := s.in(t)
			res := s.doUnchecked("POST", "/api/storageConfigurations", c.body, nil)
			if res.status != 400 {
				t.Fatalf("returned %d, want 400: %s", res.status, res.body)
			}
			if p := res.problem(t); p.Parameters[c.field] == "" {
				t.Errorf("problem does not name %q: %s", c.field, res.body)
			}
		})
	}
	for i, sse := range []string{"AES256", "aws:kms", "AWS:KMS", "aes256"} {
		name := "sse-" + string(rune('a'+i))
		s.createConfig(with(func(b map[string]any) { b["name"] = name; aws(b)["serverSideEncryptionAlgorithm"] = sse }))
	}
	whole := s.createConfig(with(func(b map[string]any) { b["name"] = "whole-bucket"; aws(b)["keyPrefix"] = nil }))
	var details struct {
		AWSS3 awsDetails `json:"awsS3"`
	}
	s.must(200, "GET", "/api/storageConfigurations/"+whole.ID+"/details", nil).json(t, &details)
	if details.AWSS3.KeyPrefix != nil {
		t.Errorf("a null prefix came back as %q", *details.AWSS3.KeyPrefix)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := newServer(t, icaemulator.Options{ValidationDelay: 10 * time.Millisecond})
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "conc-" + string(rune('a'+i))
			res := s.do("POST", "/api/storageCredentials", credentialBody(name, "AKIA", "s"), nil)
			var c credential
			if err := json.Unmarshal(res.body, &c); err != nil || res.status != 201 {
				t.Errorf("concurrent create %s: %d %s", name, res.status, res.body)
				return
			}
			res = s.do("POST", "/api/storageConfigurations", configBody(name, c.ID, icaemulator.RegionID("DE"), "bucket", nil), nil)
			var sc storageConfiguration
			if err := json.Unmarshal(res.body, &sc); err != nil || res.status != 201 {
				t.Errorf("concurrent configuration %s: %d %s", name, res.status, res.body)
				return
			}
			ids[i] = sc.ID
			s.do("GET", "/api/storageConfigurations", nil, nil)
			s.do("POST", "/api/storageConfigurations/"+sc.ID+":validate", nil, nil)
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != "" {
			if got := s.waitSettled(id); got.Status != "OK" {
				t.Errorf("%s settled as %s", id, got.Status)
			}
		}
	}
	if n := len(s.credentials()); n != len(ids) {
		t.Errorf("%d credentials after %d concurrent creates", n, len(ids))
	}
}

func TestCloseStopsValidations(t *testing.T) {
	emu := icaemulator.New(icaemulator.Options{APIKey: testKey, ValidationDelay: time.Hour})
	s := &server{t: t, emu: emu, auth: http.Header{"X-Api-Key": {testKey}}}
	srv := newHTTPServer(t, emu)
	s.url = srv
	cred := s.createCredential("close", "AKIA", "s")
	c := s.createConfig(configBody("closing", cred.ID, icaemulator.RegionID("US"), "bucket", nil))
	done := make(chan struct{})
	go func() { emu.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return while a validation was pending")
	}
	if got := s.getConfig(c.ID); got.Status != "INITIALIZING" {
		t.Errorf("after Close status = %s, want INITIALIZING (the validation was stopped)", got.Status)
	}
	assertNoEmulatorGoroutines(t)
	// Still answers, and new validations do not start goroutines after Close.
	s.must(204, "POST", "/api/storageConfigurations/"+c.ID+":validate", nil)
	emu.Close()
	assertNoEmulatorGoroutines(t)
}

func TestTokenClaims(t *testing.T) {
	s := newServer(t, icaemulator.Options{TokenTTL: time.Hour})
	var tok struct{ Token string }
	before := time.Now()
	s.must(200, "POST", "/api/tokens", nil).json(t, &tok)
	parts := strings.Split(tok.Token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("payload is not base64url: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("payload is not JSON: %s", payload)
	}
	exp, ok := claims["exp"].(float64)
	if !ok || exp != float64(int64(exp)) {
		t.Fatalf("exp %v is not a whole NumericDate", claims["exp"])
	}
	if want := before.Add(time.Hour).Unix(); int64(exp) < want-1 || int64(exp) > want+1 {
		t.Errorf("exp %d, want about now+1h (%d)", int64(exp), want)
	}
	if claims["sub"] == "" || claims["iss"] == "" {
		t.Errorf("claims lack sub or iss: %s", payload)
	}
}
