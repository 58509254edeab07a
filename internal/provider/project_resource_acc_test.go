package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

const projectAddr = "ica_project.test"

// projectFixture is an emulator with one storage configuration that has validated OK, made through the
// API (as in the ICA UI) so that each test runs only the project through Terraform.
type projectFixture struct {
	emu      *acctest.Emulator
	configID string
	region   string
}

func newProjectFixture(t *testing.T, opts icaemulator.Options) *projectFixture {
	t.Helper()
	unsetICAEnv(t)
	opts.ValidationDelay = 20 * time.Millisecond
	emu := acctest.NewEmulator(t, opts)
	f := &projectFixture{emu: emu, region: icaemulator.RegionID("US")}
	f.configID = f.newConfiguration(t, acctest.RandomName("pc"))
	return f
}

// newConfiguration makes a storage configuration in the US region and waits until it is OK.
func (f *projectFixture) newConfiguration(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	c := icaClient(t, f.emu)
	cred, err := c.CreateStorageCredential(ctx, ica.CreateStorageCredential{Name: name, Type: ica.CredentialTypeAWSUser,
		AWSCredentials: &ica.AWSCredentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	prefix := "ica/"
	cfg, err := c.CreateStorageConfiguration(ctx, ica.CreateStorageConfiguration{Name: name[:min(len(name), 15)], StorageCredentialID: cred.ID,
		Type: ica.StorageTypeAWSS3, RegionID: f.region, AWSDetails: &ica.AWSDetails{BucketName: "bucket-" + name, KeyPrefix: &prefix}})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); cfg.Status != ica.StatusOK; {
		if time.Now().After(deadline) {
			t.Fatalf("configuration %s is %s", cfg.ID, cfg.Status)
		}
		time.Sleep(20 * time.Millisecond)
		if cfg, err = c.GetStorageConfiguration(ctx, cfg.ID); err != nil {
			t.Fatal(err)
		}
	}
	return cfg.ID
}

// config renders the provider, the bundle lookup and one project with the given extra attributes.
func (f *projectFixture) config(name, extra string) string {
	return acctest.ProviderConfig(f.emu, nil) + fmt.Sprintf(`
data "ica_storage_bundle" "b" {
  region_id = %q
}

resource "ica_project" "test" {
  name              = %q
  region_id         = %q
  storage_bundle_id = data.ica_storage_bundle.b.id
%s
}
`, f.region, name, f.region, extra)
}

func (f *projectFixture) onStorage(subfolder string) string {
	return fmt.Sprintf("  storage_configuration_id = %q\n  storage_configuration_subfolder = %q\n", f.configID, subfolder)
}

func (f *projectFixture) control(t *testing.T, method, path string, in, out any) {
	t.Helper()
	var body bytes.Buffer
	if in != nil {
		_ = json.NewEncoder(&body).Encode(in)
	}
	req, _ := http.NewRequest(method, f.emu.URL+path, &body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s", method, path, resp.Status)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *projectFixture) projects(t *testing.T) []icaemulator.ControlProject {
	t.Helper()
	var out []icaemulator.ControlProject
	f.control(t, http.MethodGet, "/_emulator/projects", nil, &out)
	return out
}

// expectProjects checks the emulator holds exactly these projects: name → hidden.
func (f *projectFixture) expectProjects(t *testing.T, want map[string]bool) func(*terraform.State) error {
	return func(*terraform.State) error {
		got := f.projects(t)
		if len(got) != len(want) {
			return fmt.Errorf("ICA has %d projects %+v, want %d", len(got), got, len(want))
		}
		for _, p := range got {
			if hidden, ok := want[p.Name]; !ok || hidden != p.Hidden {
				return fmt.Errorf("project %+v not expected (want %v)", p, want)
			}
		}
		return nil
	}
}

func (f *projectFixture) createDirectly(t *testing.T, name, configID string) string {
	t.Helper()
	in := ica.CreateProject{Name: name, RegionID: f.region, BillingMode: ica.BillingModeProject, StorageBundleID: icaemulator.StorageBundleID("US")}
	if configID != "" {
		sub := "runs"
		in.StorageConfigurationID, in.StorageConfigurationSubfolder = &configID, &sub
	}
	p, _, err := icaClient(t, f.emu).CreateProject(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func TestAccProject_lifecycle(t *testing.T) {
	f := newProjectFixture(t, icaemulator.Options{})
	name := "Acc " + acctest.RandomName("p")
	renamed := name + " two"
	var id string
	updated := f.onStorage("runs") + `  short_description = "described"
  information = "more"
  billing_mode = "TENANT"
  data_sharing_enabled = true
  user_tags = ["team-a", "x"]
  technical_tags = ["t"]
  analysis_priority = "HIGH"
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             f.expectProjects(t, map[string]bool{name: true, renamed: true}),
		Steps: []resource.TestStep{
			{
				Config: f.config(name, f.onStorage("runs")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(projectAddr, tfjsonpath.New("active"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(projectAddr, tfjsonpath.New("billing_mode"), knownvalue.StringExact("PROJECT")),
					statecheck.ExpectKnownValue(projectAddr, tfjsonpath.New("analysis_priority"), knownvalue.StringExact("MEDIUM")),
					statecheck.ExpectKnownValue(projectAddr, tfjsonpath.New("storage_configuration_subfolder"), knownvalue.StringExact("runs")),
					statecheck.ExpectKnownValue(projectAddr, tfjsonpath.New("urn"), knownvalue.NotNull()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					captureAttr(projectAddr, "id", &id),
					func(*terraform.State) error {
						p := f.projects(t)
						if len(p) != 1 || p[0].StorageConfigurationSubfolder != "runs" || p[0].StorageConfigurationID != f.configID {
							return fmt.Errorf("ICA projects = %+v", p)
						}
						return nil
					},
				),
			},
			{
				// "runs/" is the same folder: no change.
				Config:           f.config(name, f.onStorage("runs/")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Every updatable field at once, in place.
				Config: f.config(name, updated),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(projectAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(projectAddr, "id", &id),
					resource.TestCheckResourceAttr(projectAddr, "billing_mode", "TENANT"),
					resource.TestCheckResourceAttr(projectAddr, "data_sharing_enabled", "true"),
					resource.TestCheckResourceAttr(projectAddr, "analysis_priority", "HIGH"),
					resource.TestCheckResourceAttr(projectAddr, "user_tags.#", "2"),
					func(*terraform.State) error {
						p, _, err := icaClient(t, f.emu).GetProject(context.Background(), id)
						if err != nil {
							return err
						}
						if deref(p.ShortDescription) != "described" || deref(p.Information) != "more" || p.BillingMode != "TENANT" ||
							!*p.DataSharingEnabled || len(p.Tags.UserTags) != 2 || *p.AnalysisPriority != "HIGH" {
							return fmt.Errorf("ICA has %+v", p)
						}
						return nil
					},
				),
			},
			{
				// And back: optional fields removed.
				Config: f.config(name, f.onStorage("runs")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(projectAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.TestCheckResourceAttrPtr(projectAddr, "id", &id),
			},
			{
				ResourceName:            projectAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts", "time_modified"},
			},
			{
				// A rename cannot be done in place: the old project is hidden, a new one created.
				Config: f.config(renamed, f.onStorage("elsewhere")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(projectAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: f.expectProjects(t, map[string]bool{name: true, renamed: false}),
			},
		},
	})
}

// TestAccProject_importWithoutSubfolder: an ICA that does not say the subfolder; the configuration's
// value is taken without replacement, and the plan after import is empty.
func TestAccProject_importWithoutSubfolder(t *testing.T) {
	f := newProjectFixture(t, icaemulator.Options{NoProjectSubfolder: true})
	name := "Imported " + acctest.RandomName("p")
	id := f.createDirectly(t, name, f.configID)
	cfg := f.config(name, f.onStorage("runs")) + fmt.Sprintf(`
import {
  to = ica_project.test
  id = %q
}
`, id)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             f.expectProjects(t, map[string]bool{name: true}),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(projectAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(projectAddr, "id", id),
					resource.TestCheckResourceAttr(projectAddr, "storage_configuration_subfolder", "runs"),
					f.expectProjects(t, map[string]bool{name: false}),
				),
			},
		},
	})
}

// TestAccProject_importEmptyPlan: ICA says the subfolder, so the import plans nothing at all.
func TestAccProject_importEmptyPlan(t *testing.T) {
	f := newProjectFixture(t, icaemulator.Options{})
	name := "Imported " + acctest.RandomName("p")
	id := f.createDirectly(t, name, f.configID)
	cfg := f.config(name, f.onStorage("runs")) + fmt.Sprintf(`
import {
  to = ica_project.test
  id = %q
}
`, id)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(projectAddr, plancheck.ResourceActionNoop)},
				},
				Check: resource.TestCheckResourceAttr(projectAddr, "id", id),
			},
		},
	})
}

// TestAccProject_adoptsAfterLostCreate: ICA made the project but the answer was lost; the provider
// finds it by name and adopts it: exactly one project.
func TestAccProject_adoptsAfterLostCreate(t *testing.T) {
	f := newProjectFixture(t, icaemulator.Options{})
	name := "Lost " + acctest.RandomName("p")
	f.control(t, http.MethodPost, "/_emulator/faults", map[string]any{"method": "POST", "path": "/api/projects", "dropResponse": true, "count": 1}, nil)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             f.expectProjects(t, map[string]bool{name: true}),
		Steps: []resource.TestStep{
			{
				Config:           f.config(name, f.onStorage("runs")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            f.expectProjects(t, map[string]bool{name: false}),
			},
		},
	})
}

// TestAccProject_adoptionRules: a project left by an interrupted apply is adopted when it matches; a
// same-named project on other storage, or a hidden one, is refused with the fix and nothing is created.
func TestAccProject_adoptionRules(t *testing.T) {
	f := newProjectFixture(t, icaemulator.Options{})
	interrupted := "Interrupted " + acctest.RandomName("p")
	id := f.createDirectly(t, interrupted, f.configID)
	other := f.newConfiguration(t, acctest.RandomName("po"))
	foreign := "Foreign " + acctest.RandomName("p")
	f.createDirectly(t, foreign, other)
	hidden := "Hidden " + acctest.RandomName("p")
	hiddenID := f.createDirectly(t, hidden, "")
	if err := icaClient(t, f.emu).HideProject(context.Background(), hiddenID); err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{interrupted: true, foreign: false, hidden: true}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             f.expectProjects(t, all),
		Steps: []resource.TestStep{
			{
				Config:      f.config(foreign, f.onStorage("other")),
				ExpectError: regexp.MustCompile(`(?s)already has a project named.*storage_configuration_id is`),
			},
			{
				Config:      f.config(hidden, ""),
				ExpectError: errRE(`hidden project named`),
			},
			{
				Config:           f.config(interrupted, f.onStorage("runs")+`  short_description = "adopted"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(projectAddr, "id", id),
					resource.TestCheckResourceAttr(projectAddr, "short_description", "adopted"),
					f.expectProjects(t, map[string]bool{interrupted: false, foreign: false, hidden: true}),
				),
			},
		},
	})
}

// TestAccProject_planTimeRules: every folder and name rule fails the plan, and nothing is created.
func TestAccProject_planTimeRules(t *testing.T) {
	f := newProjectFixture(t, icaemulator.Options{})
	de := icaemulator.RegionID("DE")
	cases := []struct{ name, extra, want string }{
		{"Root", f.onStorage(""), `must name a folder`},
		{"Root slash", f.onStorage("/"), `must name a folder`},
		{"Dot", f.onStorage("./runs"), `which S3 cannot store`},
		{"Leading slash", f.onStorage("/runs"), `starts with "/"`},
		{"Dot dot", f.onStorage("a/../b"), `which S3 cannot store`},
		{"Empty segment", f.onStorage("a//b"), `empty folder name`},
		{"No subfolder", fmt.Sprintf("  storage_configuration_id = %q\n", f.configID), `Subfolder required`},
		{"1 bad name", "", `does not match ICA's rule`},
		{"Tab\tname", "", `does not match ICA's rule`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: f.config(c.name, c.extra), PlanOnly: true, ExpectError: errRE(c.want)})
	}
	// The storage configuration is in another region than the project: refused at plan.
	steps = append(steps, resource.TestStep{
		Config: acctest.ProviderConfig(f.emu, nil) + fmt.Sprintf(`
resource "ica_project" "test" {
  name = "Wrong region"
  region_id = %q
  storage_bundle_id = %q
  storage_configuration_id = %q
  storage_configuration_subfolder = "runs"
}
`, de, icaemulator.StorageBundleID("DE"), f.configID),
		PlanOnly: true, ExpectError: errRE(`Storage configuration in another region`),
	})
	// The storage bundle of another region, and one ICA does not list: refused at plan.
	for _, c := range []struct{ bundle, want string }{
		{icaemulator.StorageBundleID("DE"), `Storage bundle in another region`},
		{"0f8fad5b-d9cb-469f-a165-70867728950e", `ICA lists no storage bundle 0f8fad5b-d9cb-469f-a165-70867728950e`},
	} {
		steps = append(steps, resource.TestStep{
			Config: acctest.ProviderConfig(f.emu, nil) + fmt.Sprintf(`
resource "ica_project" "test" {
  name = "Wrong bundle"
  region_id = %q
  storage_bundle_id = %q
}
`, f.region, c.bundle),
			PlanOnly: true, ExpectError: errRE(c.want),
		})
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps:                    steps,
		CheckDestroy:             f.expectProjects(t, map[string]bool{}),
	})
}

// TestAccProject_configurationNotOK: a storage configuration in ERROR fails the apply with ICA's
// message before any project is created.
func TestAccProject_configurationNotOK(t *testing.T) {
	f := newProjectFixture(t, icaemulator.Options{})
	c := icaClient(t, f.emu)
	creds, err := c.ListStorageCredentials(context.Background())
	if err != nil || len(creds) != 1 {
		t.Fatal(creds, err)
	}
	f.control(t, http.MethodDelete, "/_emulator/credentials/"+creds[0].ID, nil, nil)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             f.expectProjects(t, map[string]bool{}),
		Steps: []resource.TestStep{{
			Config:      f.config("Not OK", f.onStorage("runs")),
			ExpectError: errRE(`is ERROR, so the project "Not OK" was not created: Storage credential`),
		}},
	})
}

// TestAccProject_etagConflict: a change made in ICA between the provider's read and its PUT fails the
// update instead of being overwritten.
func TestAccProject_etagConflict(t *testing.T) {
	f := newProjectFixture(t, icaemulator.Options{})
	name := "Conflict " + acctest.RandomName("p")
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: f.config(name, ""),
				Check:  captureAttr(projectAddr, "id", &id),
			},
			{
				PreConfig: func() {
					// Hold the provider's PUT for a moment, and change the project in ICA meanwhile.
					f.control(t, http.MethodPost, "/_emulator/faults", map[string]any{"method": "PUT", "path": "/api/projects/*", "delay": "1s", "count": 1}, nil)
					go func() {
						c := icaClient(t, f.emu)
						for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
							for _, r := range f.emu.Requests(t) {
								if r.Method == http.MethodPut && r.Status == 0 {
									desc := "changed in the UI"
									_, _, _ = c.UpdateProject(context.Background(), id, "", ica.ProjectUpdate{ShortDescription: &desc,
										BillingMode: "PROJECT", StorageBundleID: icaemulator.StorageBundleID("US"), AnalysisPriority: "MEDIUM"})
									return
								}
							}
						}
					}()
				},
				Config:      f.config(name, `  short_description = "from terraform"`),
				ExpectError: errRE(`was changed outside Terraform`),
			},
		},
	})
}
