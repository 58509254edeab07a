package provider_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/ica-tf/terraform-provider-ica/internal/provider"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// unsetICAEnv keeps a developer's ICA environment out of tests that control credentials themselves.
func unsetICAEnv(t *testing.T) {
	for _, v := range []string{provider.EnvBaseURL, provider.EnvAPIKey, provider.EnvAccessToken, provider.EnvTenant} {
		t.Setenv(v, "")
	}
}

const regionsDataSource = `
data "ica_regions" "all" {}
`

func TestAccProvider_apiKeyConflictsWithAccessToken(t *testing.T) {
	unsetICAEnv(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: `
provider "ica" {
  api_key      = "k"
  access_token = "t"
}
` + regionsDataSource,
			ExpectError: errRE(`api_key.*access_token.*cannot be configured together|cannot be configured together`),
		}},
	})
}

func TestAccProvider_apiKeyConflictsWithAccessTokenFromEnv(t *testing.T) {
	unsetICAEnv(t)
	t.Setenv(provider.EnvAccessToken, "token-from-env")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: `
provider "ica" {
  api_key = "k"
}
` + regionsDataSource,
			ExpectError: errRE(`Conflicting ICA credentials.*environment variable\s+ICA_ACCESS_TOKEN`),
		}},
	})
}

func TestAccProvider_plainHTTPRemoteRefused(t *testing.T) {
	unsetICAEnv(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: `
provider "ica" {
  base_url = "http://ica.example.com/ica/rest"
}
` + regionsDataSource,
			ExpectError: errRE(`plain http://.*non-loopback\s+host`),
		}},
	})
}

func TestAccProvider_plainHTTPRemoteFromEnvRefused(t *testing.T) {
	unsetICAEnv(t)
	t.Setenv(provider.EnvBaseURL, "http://10.1.2.3/ica/rest")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:      `provider "ica" {}` + regionsDataSource,
			ExpectError: errRE(`ICA_BASE_URL.*non-loopback`),
		}},
	})
}

// The aws block is parsed without touching AWS: configuring never calls out.
func TestAccProvider_awsBlockIsLazy(t *testing.T) {
	unsetICAEnv(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: `
provider "ica" {
  base_url    = "https://ica.example.invalid/ica/rest"
  api_key     = "never-used"
  max_retries = 0
  aws {
    region            = "eu-central-1"
    access_key        = "AKIAIOSFODNN7EXAMPLE"
    secret_key        = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    s3_use_path_style = true
    assume_role {
      role_arn     = "arn:aws:iam::123456789012:role/ica"
      session_name = "terraform"
    }
    endpoints {
      s3  = "http://127.0.0.1:1"
      iam = "http://127.0.0.1:1"
      sts = "http://127.0.0.1:1"
    }
  }
}
` + regionsDataSource,
			Check: resource.TestCheckResourceAttr("data.ica_regions.all", "aws_regions.Australia", "ap-southeast-2"),
		}},
	})
}

func TestAccProvider_awsAccessKeyNeedsSecretKey(t *testing.T) {
	unsetICAEnv(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: `
provider "ica" {
  aws {
    access_key = "AKIAIOSFODNN7EXAMPLE"
  }
}
` + regionsDataSource,
			ExpectError: errRE(`secret_key`),
		}},
	})
}
