package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/naming"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// Objects made in the ICA UI or by another tool may share a name; the emulator's API refuses that, so
// these tests seed the copies directly (acctest.Emulator.SeedSameName). A lookup or adoption by such a name
// must refuse to choose, listing the UUIDs.

// sameNames is a projectFixture whose credential, storage configuration and project each have a copy
// of the same name.
type sameNames struct {
	f                        *projectFixture
	cred                     ica.StorageCredential
	cfg                      *ica.StorageConfiguration
	bucket                   string
	projectName              string
	projectID                string
	credDup, cfgDup, projDup string
}

func newSameNames(t *testing.T) *sameNames {
	t.Helper()
	f := newProjectFixture(t, icaemulator.Options{})
	c := icaClient(t, f.emu)
	creds, err := c.ListStorageCredentials(context.Background())
	if err != nil || len(creds) != 1 {
		t.Fatal(creds, err)
	}
	cfg, err := c.GetStorageConfiguration(context.Background(), f.configID)
	if err != nil {
		t.Fatal(err)
	}
	details, err := c.GetStorageConfigurationDetails(context.Background(), f.configID)
	if err != nil || details.AWSS3 == nil {
		t.Fatal(details, err)
	}
	s := &sameNames{f: f, cred: creds[0], cfg: cfg, bucket: details.AWSS3.BucketName, projectName: "Made twice " + acctest.RandomName("p")}
	s.projectID = f.createDirectly(t, s.projectName, f.configID)
	s.credDup = f.emu.SeedSameName(t, s.cred.ID)
	s.cfgDup = f.emu.SeedSameName(t, s.cfg.ID)
	s.projDup = f.emu.SeedSameName(t, s.projectID)
	return s
}

// ambiguous is the error of a lookup or adoption by a name two objects share: it names both UUIDs, the
// original first (ICA's order), and says how to pick one.
func ambiguous(lead, name, first, second, fix string) *regexp.Regexp {
	return errRE(lead + ` named "` + regexp.QuoteMeta(name) + `"[: (]+` + first + `, ` + second + `.*` + fix)
}

// TestAccLookups_ambiguousName: a name two objects share is refused by ica_secret_credential,
// ica_storage_configuration and ica_project, listing both UUIDs and saying to look up by id (a hidden
// project does not count); by id each copy is found, and the plural data sources list both.
func TestAccLookups_ambiguousName(t *testing.T) {
	s := newSameNames(t)
	provider := acctest.ProviderConfig(s.f.emu, nil)
	byName := func(kind, name string) string {
		return provider + fmt.Sprintf("data %q \"x\" {\n  name = %q\n}\n", kind, name)
	}
	const lookUpByID = `Look it up by id instead`
	found := provider + fmt.Sprintf(`
data "ica_secret_credential" "copy" {
  id = %q
}
data "ica_secret_credentials" "all" {}

data "ica_storage_configuration" "copy" {
  id = %q
}
data "ica_storage_configurations" "all" {}

data "ica_project" "copy" {
  id = %q
}
`, s.credDup, s.cfgDup, s.projDup)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      byName("ica_secret_credential", s.cred.Name),
				ExpectError: ambiguous(`ICA has 2 secret credentials`, s.cred.Name, s.cred.ID, s.credDup, lookUpByID),
			},
			{
				Config:      byName("ica_storage_configuration", s.cfg.Name),
				ExpectError: ambiguous(`ICA has 2 storage configurations`, s.cfg.Name, s.cfg.ID, s.cfgDup, lookUpByID),
			},
			{
				Config:      byName("ica_project", s.projectName),
				ExpectError: ambiguous(`ICA has 2 projects`, s.projectName, s.projectID, s.projDup, lookUpByID),
			},
			{
				Config: found,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.ica_secret_credential.copy", "name", s.cred.Name),
					resource.TestCheckResourceAttr("data.ica_secret_credentials.all", "secret_credentials.#", "2"),
					resource.TestCheckTypeSetElemNestedAttrs("data.ica_secret_credentials.all", "secret_credentials.*", map[string]string{"id": s.cred.ID, "name": s.cred.Name}),
					resource.TestCheckTypeSetElemNestedAttrs("data.ica_secret_credentials.all", "secret_credentials.*", map[string]string{"id": s.credDup, "name": s.cred.Name}),
					resource.TestCheckResourceAttr("data.ica_storage_configuration.copy", "name", s.cfg.Name),
					resource.TestCheckResourceAttr("data.ica_storage_configuration.copy", "bucket", s.bucket),
					resource.TestCheckResourceAttr("data.ica_storage_configurations.all", "storage_configurations.#", "2"),
					resource.TestCheckTypeSetElemNestedAttrs("data.ica_storage_configurations.all", "storage_configurations.*", map[string]string{"id": s.cfg.ID, "name": s.cfg.Name}),
					resource.TestCheckTypeSetElemNestedAttrs("data.ica_storage_configurations.all", "storage_configurations.*", map[string]string{"id": s.cfgDup, "name": s.cfg.Name}),
					resource.TestCheckResourceAttr("data.ica_project.copy", "name", s.projectName),
					resource.TestCheckNoResourceAttr("data.ica_project.copy", "storage_configuration_id"),
				),
			},
			{
				// A hidden project is not a candidate (ICA has no unhide): with the copy hidden the name is
				// the original's alone.
				PreConfig: func() {
					if err := icaClient(t, s.f.emu).HideProject(context.Background(), s.projDup); err != nil {
						t.Fatal(err)
					}
				},
				Config: byName("ica_project", s.projectName),
				Check:  resource.TestCheckResourceAttr("data.ica_project.x", "id", s.projectID),
			},
		},
	})
}

// TestAccLookups_emptyLists: with nothing in ICA the plural data sources are empty lists, not errors.
func TestAccLookups_emptyLists(t *testing.T) {
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(emu, nil) + "data \"ica_secret_credentials\" \"all\" {}\ndata \"ica_storage_configurations\" \"all\" {}\n",
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.ica_secret_credentials.all", "secret_credentials.#", "0"),
				resource.TestCheckResourceAttr("data.ica_storage_configurations.all", "storage_configurations.#", "0"),
			),
		}},
	})
}

// TestAccAdopt_ambiguousName: ica_secret_credential and ica_storage_configuration adopt an existing
// object of their name, but not one of two: the create is refused, listing both UUIDs and saying to import
// by UUID, and nothing is created or sent.
func TestAccAdopt_ambiguousName(t *testing.T) {
	s := newSameNames(t)
	provider := acctest.ProviderConfig(s.f.emu, nil)
	const importByUUID = `import the one you mean by its UUID`
	writes := &writeLog{e: s.f.emu}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { writes.next(t) },
				Config: provider + fmt.Sprintf(`
resource "ica_secret_credential" "test" {
  name              = %q
  access_key_id     = "AKIAIOSFODNN7EXAMPLE"
  secret_access_key = "s"
}
`, s.cred.Name),
				ExpectError: ambiguous(`ICA has 2 storage credentials`, s.cred.Name, s.cred.ID, s.credDup, importByUUID),
			},
			{
				PreConfig: func() {
					if got := writes.next(t); len(got) != 0 {
						t.Fatalf("the refused credential wrote to ICA: %q", got)
					}
				},
				Config: provider + fmt.Sprintf(`
resource "ica_storage_configuration" "test" {
  name          = %q
  credential_id = %q
  region_id     = %q
  bucket        = %q
  prefix        = "ica/"
}
`, s.cfg.Name, s.cred.ID, s.f.region, s.bucket),
				ExpectError: ambiguous(`ICA has 2 storage configurations`, s.cfg.Name, s.cfg.ID, s.cfgDup, importByUUID),
			},
			{
				// Nothing to apply; checks what the refused configuration sent.
				PreConfig: func() {
					if got := writes.next(t); len(got) != 0 {
						t.Fatalf("the refused storage configuration wrote to ICA: %q", got)
					}
				},
				Config:   provider,
				PlanOnly: true,
			},
		},
	})
}

// TestAccS3Connection_ambiguousCredentialName: a connection whose credential_name two ICA credentials
// share is refused the same way, and nothing is made in AWS or ICA.
func TestAccS3Connection_ambiguousCredentialName(t *testing.T) {
	env := newConnEnv(t)
	name := acctest.RandomName("c")
	first, err := icaClient(t, env.emu).CreateStorageCredential(context.Background(), ica.CreateStorageCredential{Name: name, Type: ica.CredentialTypeAWSUser,
		AWSCredentials: &ica.AWSCredentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "made-in-the-ui"}})
	if err != nil {
		t.Fatal(err)
	}
	dup := env.emu.SeedSameName(t, first.ID)
	writes := &writeLog{e: env.emu}
	writes.next(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      env.config(fmt.Sprintf("  prefix = \"data\"\n  credential_name = %q\n", name)),
				ExpectError: ambiguous(`ICA has 2 storage credentials`, name, first.ID, dup, `import the one you mean by its UUID`),
			},
			{
				PreConfig: func() {
					if got := writes.next(t); len(got) != 0 {
						t.Fatalf("the refused connection wrote to ICA: %q", got)
					}
					if err := env.checkDestroyed(t, []string{naming.DefaultIAMUserName(env.bucket, "data/")}, []string{naming.DefaultIAMPolicyName(env.bucket, "data/")})(nil); err != nil {
						t.Fatalf("the refused connection made something in AWS: %v", err)
					}
				},
				Config:   env.providerConfig(),
				PlanOnly: true,
			},
		},
	})
}
