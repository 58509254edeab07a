package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// TestAccLookups: the data sources for objects made in the ICA UI find them by id and by name, and an
// unknown name is an error listing what exists.
func TestAccLookups(t *testing.T) {
	f := newProjectFixture(t, icaemulator.Options{})
	c := icaClient(t, f.emu)
	creds, err := c.ListStorageCredentials(context.Background())
	if err != nil || len(creds) != 1 {
		t.Fatal(creds, err)
	}
	cred := creds[0]
	cfg, err := c.GetStorageConfiguration(context.Background(), f.configID)
	if err != nil {
		t.Fatal(err)
	}
	projectName := "Made in the UI " + acctest.RandomName("p")
	projectID := f.createDirectly(t, projectName, f.configID)

	found := acctest.ProviderConfig(f.emu, nil) + fmt.Sprintf(`
data "ica_secret_credential" "by_name" {
  name = %q
}
data "ica_secret_credential" "by_id" {
  id = %q
}
data "ica_secret_credentials" "all" {}

data "ica_storage_configuration" "by_name" {
  name = %q
}
data "ica_storage_configuration" "by_id" {
  id = %q
}
data "ica_storage_configurations" "all" {}

data "ica_project" "by_name" {
  name = %q
}
data "ica_project" "by_id" {
  id = %q
}
`, cred.Name, cred.ID, cfg.Name, cfg.ID, projectName, projectID)
	missing := func(kind, name string) string {
		return acctest.ProviderConfig(f.emu, nil) + fmt.Sprintf("data %q \"x\" {\n  name = %q\n}\n", kind, name)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: found,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.ica_secret_credential.by_name", "id", cred.ID),
					resource.TestCheckResourceAttr("data.ica_secret_credential.by_name", "type", "AWS_USER"),
					resource.TestCheckResourceAttr("data.ica_secret_credential.by_id", "name", cred.Name),
					resource.TestCheckNoResourceAttr("data.ica_secret_credential.by_id", "secret_access_key"),
					resource.TestCheckResourceAttr("data.ica_secret_credentials.all", "secret_credentials.#", "1"),
					resource.TestCheckResourceAttr("data.ica_storage_configuration.by_name", "id", cfg.ID),
					resource.TestCheckResourceAttr("data.ica_storage_configuration.by_name", "prefix", "ica/"),
					resource.TestCheckResourceAttr("data.ica_storage_configuration.by_name", "status", "OK"),
					resource.TestCheckResourceAttr("data.ica_storage_configuration.by_id", "region_id", f.region),
					resource.TestCheckResourceAttr("data.ica_storage_configurations.all", "storage_configurations.#", "1"),
					resource.TestCheckResourceAttr("data.ica_project.by_name", "id", projectID),
					resource.TestCheckResourceAttr("data.ica_project.by_name", "storage_configuration_id", f.configID),
					resource.TestCheckResourceAttr("data.ica_project.by_name", "storage_configuration_subfolder", "runs"),
					resource.TestCheckResourceAttr("data.ica_project.by_id", "name", projectName),
					resource.TestCheckResourceAttr("data.ica_project.by_id", "billing_mode", "PROJECT"),
				),
			},
			{
				Config:      missing("ica_secret_credential", "nope"),
				ExpectError: errRE(`no secret credential named "nope". The secret credentials ICA lists: "` + cred.Name + `"`),
			},
			{
				Config:      missing("ica_storage_configuration", "nope"),
				ExpectError: errRE(`no storage configuration named "nope". The storage configurations ICA lists: "` + cfg.Name + `"`),
			},
			{
				Config:      missing("ica_project", "Nope"),
				ExpectError: errRE(`no project named "Nope"`),
			},
			{
				Config:      acctest.ProviderConfig(f.emu, nil) + "data \"ica_project\" \"x\" {\n  name = \"a\"\n  id = \"b\"\n}\n",
				ExpectError: errRE(`(?i)exactly one`),
			},
			{Config: found}, // the destroy after the test needs a valid configuration
		},
	})
}
