package provider_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

func TestAccStorageBundleDataSources(t *testing.T) {
	f := newProjectFixture(t, icaemulator.Options{})
	us, de := icaemulator.RegionID("US"), icaemulator.RegionID("DE")
	lookup := func(region, name string) string {
		extra := ""
		if name != "" {
			extra = fmt.Sprintf("  bundle_name = %q\n", name)
		}
		return acctest.ProviderConfig(f.emu, nil) + fmt.Sprintf(`
data "ica_storage_bundle" "b" {
  region_id = %q
%s}

data "ica_storage_bundles" "us" {
  region_id = %q
}

data "ica_storage_bundles" "all" {}
`, region, extra, us)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: lookup(de, ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.ica_storage_bundle.b", "id", icaemulator.StorageBundleID("DE")),
					resource.TestCheckResourceAttr("data.ica_storage_bundle.b", "bundle_name", icaemulator.DefaultBundleName),
					resource.TestCheckResourceAttrSet("data.ica_storage_bundle.b", "entitlement_name"),
					resource.TestCheckResourceAttr("data.ica_storage_bundles.us", "storage_bundles.#", "1"),
					resource.TestCheckResourceAttr("data.ica_storage_bundles.us", "storage_bundles.0.region_id", us),
					resource.TestCheckResourceAttr("data.ica_storage_bundles.all", "storage_bundles.#", "12"),
				),
			},
			{
				Config:      lookup(de, "Premium"),
				ExpectError: errRE(`has no storage bundle named "Premium". Its bundles: "Standard"`),
			},
			{
				PreConfig: func() {
					f.control(t, http.MethodPost, "/_emulator/storageBundles", map[string]any{"regionId": us, "bundleName": "Premium", "entitlementName": "Premium storage"}, nil)
				},
				Config:      lookup(us, ""),
				ExpectError: errRE(`has 2 storage bundles: "Standard" .*"Premium" .*Set bundle_name`),
			},
			{
				Config: lookup(us, "Premium"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.ica_storage_bundle.b", "bundle_name", "Premium"),
					resource.TestCheckResourceAttr("data.ica_storage_bundles.us", "storage_bundles.#", "2"),
				),
			},
		},
	})
}
