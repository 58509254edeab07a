package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// projectTarget: ica_project on a storage configuration made through the API (the chain's other parts have
// their own targets). "update" changes the updatable fields (a read-modify-write PUT).
var projectTarget = faultTarget{
	configs: func(env *faultEnv, _ string) (string, string) {
		configID := okStorageConfiguration(env)
		cfg := func(description, priority string) string {
			return acctest.ProviderConfig(env.emu, nil) + fmt.Sprintf(`
resource "ica_project" "p" {
  name                            = %q
  region_id                       = %q
  storage_bundle_id               = %q
  storage_configuration_id        = %q
  storage_configuration_subfolder = "runs"
  short_description               = %q
  analysis_priority               = %q
}
`, env.token, icaemulator.RegionID("US"), icaemulator.StorageBundleID("US"), configID, description, priority)
		}
		return cfg("v0", "MEDIUM"), cfg("v1", "HIGH")
	},
	converged: func(t *testing.T, env *faultEnv) error {
		var projects []icaemulator.ControlProject
		if err := controlGet(env.emu, "/_emulator/projects", &projects); err != nil {
			return err
		}
		if len(projects) != 1 || projects[0].Name != env.token || projects[0].Hidden {
			return fmt.Errorf("want exactly one visible project %q after converging; ICA has %+v", env.token, projects)
		}
		return nil
	},
}

// okStorageConfiguration makes a storage configuration on the scenario's bucket and waits until it is OK.
func okStorageConfiguration(env *faultEnv) string {
	ctx := context.Background()
	c, err := ica.New(ica.Config{BaseURL: env.emu.URL, APIKey: env.emu.APIKey})
	if err != nil {
		panic(err)
	}
	cred, err := c.CreateStorageCredential(ctx, ica.CreateStorageCredential{Name: env.token, Type: ica.CredentialTypeAWSUser,
		AWSCredentials: &ica.AWSCredentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "moto-accepts-any"}})
	if err != nil {
		panic(err)
	}
	prefix := "ica/"
	sc, err := c.CreateStorageConfiguration(ctx, ica.CreateStorageConfiguration{Name: env.token[:min(len(env.token), 15)],
		StorageCredentialID: cred.ID, Type: ica.StorageTypeAWSS3, RegionID: icaemulator.RegionID("US"),
		AWSDetails: &ica.AWSDetails{BucketName: env.bucket, KeyPrefix: &prefix}})
	for deadline := time.Now().Add(30 * time.Second); err == nil && sc.Status == ica.StatusInitializing && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		sc, err = c.GetStorageConfiguration(ctx, sc.ID)
	}
	if err != nil || sc.Status != ica.StatusOK {
		panic(fmt.Sprintf("storage configuration for the project scenario: %+v, %v", sc, err))
	}
	return sc.ID
}

func controlGet(e *acctest.Emulator, path string, out any) error {
	resp, err := http.Get(e.URL + path)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	return json.NewDecoder(resp.Body).Decode(out)
}

func projectFaultCases() []faultCase {
	lost := func(method, path string) *acctest.Fault {
		return &acctest.Fault{Method: method, Path: path, DropResponse: true, Count: 1}
	}
	return []faultCase{
		{name: "create/503x2", phase: "create", transient: true, ica: icaFault("POST", "/api/projects", 503, 2)},
		{name: "create/429x3", phase: "create", transient: true, ica: icaFault("POST", "/api/projects", 429, 3)},
		{name: "create/list-503x2", phase: "create", transient: true, ica: icaFault("GET", "/api/projects", 503, 2)},
		{name: "create/configuration-429x2", phase: "create", transient: true, ica: icaFault("GET", "/api/storageConfigurations/*", 429, 2)},
		// A 500 on the POST is not retried (ICA may have acted): the provider looks the name up, finds
		// nothing, and fails; the next apply creates exactly one.
		{name: "create/500x1-ambiguous", phase: "create", ica: icaFault("POST", "/api/projects", 500, 1), step: step("create ICA project")},
		// The project was made but the answer lost: found by name and adopted, never a second one.
		{name: "create/lost-answer", phase: "create", transient: true, ica: lost("POST", "/api/projects")},
		{name: "create/500-permanent", phase: "create", ica: icaFault("POST", "/api/projects", 500, permanent), step: step("create ICA project")},
		{name: "update/put-503x2", phase: "update", transient: true, ica: icaFault("PUT", "/api/projects/*", 503, 2)},
		{name: "update/put-429x2", phase: "update", transient: true, ica: icaFault("PUT", "/api/projects/*", 429, 2)},
		{name: "update/get-503x2", phase: "update", transient: true, ica: icaFault("GET", "/api/projects/*", 503, 2)},
		{name: "update/put-500-permanent", phase: "update", ica: icaFault("PUT", "/api/projects/*", 500, permanent), step: step("update ICA project")},
		// The PUT happened, its answer was lost: the apply fails (a repeat would carry a stale ETag) and
		// the next refresh sees the change made.
		{name: "update/put-lost-answer", phase: "update", ambiguous: true, ica: lost("PUT", "/api/projects/*"), step: step("update ICA project", "PUT /api/projects")},
	}
}

func TestFaultsProject(t *testing.T) {
	requireAcc(t)
	cases := projectFaultCases()
	before := faultsInjected.Load()
	t.Cleanup(func() { t.Logf("fault scenarios passed: %d of %d", faultsInjected.Load()-before, len(cases)) })
	for _, fc := range cases {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			runFaultCase(t, projectTarget, fc)
		})
	}
}
