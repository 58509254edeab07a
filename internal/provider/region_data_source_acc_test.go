package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/provider"
	"github.com/ica-tf/terraform-provider-ica/internal/regions"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

func TestAccRegionsDataSource(t *testing.T) {
	unsetICAEnv(t)
	all := regions.All()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: `provider "ica" {}` + regionsDataSource,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.ica_regions.all", tfjsonpath.New("regions"), knownvalue.ListSizeExact(len(all))),
				statecheck.ExpectKnownValue("data.ica_regions.all", tfjsonpath.New("aws_regions"), knownvalue.MapSizeExact(len(all))),
				statecheck.ExpectKnownValue("data.ica_regions.all", tfjsonpath.New("regions").AtSliceIndex(0),
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"name":       knownvalue.StringExact(all[0].Name),
						"aws_region": knownvalue.StringExact(all[0].AWSRegion),
						"note":       knownvalue.StringExact(all[0].Note),
					})),
				statecheck.ExpectKnownValue("data.ica_regions.all", tfjsonpath.New("aws_regions").AtMapKey("United States"),
					knownvalue.StringExact("us-east-1")),
				statecheck.ExpectKnownValue("data.ica_regions.all", tfjsonpath.New("aws_regions").AtMapKey("Germany"),
					knownvalue.StringExact("eu-central-1")),
			},
			Check: resource.TestCheckTypeSetElemNestedAttrs("data.ica_regions.all", "regions.*", map[string]string{
				"name": "South Korea", "aws_region": "ap-northeast-2",
			}),
		}},
	})
}

// Reading the region table needs no network: with ICA credentials configured the provider still makes no
// call (not even the token), and a base_url where nothing listens does not matter.
func TestAccRegionsDataSource_noNetwork(t *testing.T) {
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	closed := &acctest.Emulator{URL: "http://127.0.0.1:1", APIKey: emu.APIKey}
	noCalls := func(*terraform.State) error {
		if reqs := emu.Requests(t); len(reqs) != 0 {
			return fmt.Errorf("the region table made ICA calls: %+v", reqs)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: acctest.ProviderConfig(emu, nil) + regionsDataSource,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.ica_regions.all", "aws_regions.Australia", "ap-southeast-2"),
					noCalls,
				),
			},
			{
				Config: acctest.ProviderConfig(closed, nil) + regionsDataSource,
				Check:  resource.TestCheckResourceAttr("data.ica_regions.all", "aws_regions.Germany", "eu-central-1"),
			},
		},
	})
}

func TestAccRegionDataSource_withoutCredentials(t *testing.T) {
	unsetICAEnv(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: `
provider "ica" {}

data "ica_region" "au" {
  name = "Australia"
}

data "ica_region" "eu" {
  name = "europe"
}

data "ica_region" "by_aws" {
  aws_region = "eu-west-2"
}
`,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.ica_region.au", "aws_region", "ap-southeast-2"),
				resource.TestCheckResourceAttr("data.ica_region.au", "name", "Australia"),
				resource.TestCheckNoResourceAttr("data.ica_region.au", "id"),
				resource.TestCheckNoResourceAttr("data.ica_region.au", "code"),
				resource.TestCheckNoResourceAttr("data.ica_region.au", "city_name"),
				resource.TestCheckResourceAttr("data.ica_region.eu", "name", "Germany"),
				resource.TestCheckResourceAttr("data.ica_region.eu", "aws_region", "eu-central-1"),
				resource.TestCheckResourceAttr("data.ica_region.by_aws", "name", "UK"),
			),
		}},
	})
}

func TestAccRegionDataSource_withCredentials(t *testing.T) {
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	live, err := icaClient(t, emu).ListRegions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var au, us string
	var auCode, auCity string
	for _, r := range live {
		switch r.Country.Code {
		case "AU":
			au, auCode, auCity = r.ID, r.Code, r.CityName
		case "US":
			us = r.ID
		}
	}
	if au == "" || us == "" {
		t.Fatalf("the emulator lists no AU or US region: %+v", live)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: acctest.ProviderConfig(emu, nil) + `
data "ica_region" "au" {
  name = "AUSTRALIA"
}

data "ica_region" "us" {
  aws_region = "us-east-1"
}
`,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.ica_region.au", "id", au),
				resource.TestCheckResourceAttr("data.ica_region.au", "code", auCode),
				resource.TestCheckResourceAttr("data.ica_region.au", "city_name", auCity),
				resource.TestCheckResourceAttr("data.ica_region.au", "aws_region", "ap-southeast-2"),
				resource.TestCheckResourceAttr("data.ica_region.us", "id", us),
				resource.TestCheckResourceAttr("data.ica_region.us", "name", "United States"),
			),
		}},
	})
}

func TestAccRegionDataSource_invalid(t *testing.T) {
	unsetICAEnv(t)
	step := func(body, want string) resource.TestStep {
		return resource.TestStep{
			Config:      `provider "ica" {}` + "\n" + fmt.Sprintf("data \"ica_region\" \"x\" {\n%s\n}\n", body),
			ExpectError: errRE(want),
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			step(`name = "Atlantis"`, `"Atlantis" is not an ICA region.*Australia.*United States`),
			step(`aws_region = "us-west-2"`, `us-west-2.*us-east-1`),
			step(`
  name       = "Australia"
  aws_region = "ap-southeast-2"`, `Invalid Attribute Combination`),
			step(``, `Exactly one of these attributes must be configured`),
		},
	})
}

// ICA_BASE_URL and ICA_API_KEY configure the provider when the block is empty; an access token (a JWT
// minted elsewhere) works in place of the API key.
func TestAccRegionDataSource_credentialsFromEnvAndToken(t *testing.T) {
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	t.Setenv(provider.EnvBaseURL, emu.URL)
	t.Setenv(provider.EnvAPIKey, emu.APIKey)
	token := mintToken(t, emu)
	us := icaemulator.RegionID("US")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: `
provider "ica" {}

data "ica_region" "us" {
  name = "United States"
}
`,
				Check: resource.TestCheckResourceAttr("data.ica_region.us", "id", us),
			},
			{
				PreConfig: func() { t.Setenv(provider.EnvAPIKey, "") },
				Config: fmt.Sprintf(`
provider "ica" {
  access_token = %q
}

data "ica_region" "us" {
  name = "United States"
}
`, token),
				Check: resource.TestCheckResourceAttr("data.ica_region.us", "id", us),
			},
		},
	})
}

// mintToken trades the emulator's API key for a JWT, as a user would with POST /api/tokens.
func mintToken(t *testing.T, e *acctest.Emulator) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+"/api/tokens", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", e.APIKey)
	req.Header.Set("Accept", ica.MediaType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("POST /api/tokens: status %d, decode error %v", resp.StatusCode, err)
	}
	return out.Token
}
