package provider_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
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

const credAddr = "ica_secret_credential.test"

type credConfig struct {
	name, keyID, secret string
	version             int
	shared              bool
	stored              bool // secret_access_key instead of the write-only pair
}

func (c credConfig) hcl(e *acctest.Emulator) string {
	var b strings.Builder
	b.WriteString(acctest.ProviderConfig(e, nil))
	fmt.Fprintf(&b, "\nresource \"ica_secret_credential\" \"test\" {\n  name          = %q\n  access_key_id = %q\n", c.name, c.keyID)
	if c.stored {
		fmt.Fprintf(&b, "  secret_access_key = %q\n", c.secret)
	} else {
		fmt.Fprintf(&b, "  secret_access_key_wo         = var.secret\n  secret_access_key_wo_version = %d\n", c.version)
	}
	if c.shared {
		b.WriteString("  shared = true\n")
	}
	b.WriteString("}\n")
	if !c.stored {
		// As users should pass it: an ephemeral variable is kept out of plan and state by Terraform itself,
		// so finding the secret there would be the provider's fault.
		b.WriteString("\nvariable \"secret\" {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\n")
	}
	return b.String()
}

// vars supplies the ephemeral variable of the write-only form.
func (c credConfig) vars() config.Variables {
	if c.stored {
		return nil
	}
	return config.Variables{"secret": config.StringVariable(c.secret)}
}

// emulatorHolds checks what the emulator stores for the credential named name.
func emulatorHolds(t *testing.T, e *acctest.Emulator, name, keyID, secret string) func(*terraform.State) error {
	return func(*terraform.State) error {
		var found []acctest.EmulatorCredential
		for _, c := range e.Credentials(t) {
			if c.Name == name {
				found = append(found, c)
			}
		}
		if len(found) != 1 {
			return fmt.Errorf("want exactly one credential named %q in ICA, got %d", name, len(found))
		}
		if found[0].AccessKeyID != keyID || found[0].SecretSha256 != sha256Hex(secret) {
			return fmt.Errorf("ICA holds key %q with another secret or key id; want key %q", found[0].AccessKeyID, keyID)
		}
		return nil
	}
}

func TestAccSecretCredential_lifecycle(t *testing.T) {
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	log := &writeLog{e: emu}
	name := acctest.RandomName("tf-cred")
	secret1, secret2 := "s1-"+acctest.RandomName("secret"), "s2-"+acctest.RandomName("secret")
	const key1, key2 = "AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE"
	v1 := credConfig{name: name, keyID: key1, secret: secret1, version: 1}
	v2 := v1
	v2.secret, v2.version = secret2, 2
	v3 := v2
	v3.keyID = key2
	v4 := v3
	v4.shared = true
	v5 := v4
	v5.shared = false
	renamed := v4
	renamed.name = name + "-b"
	var id string

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:          v1.hcl(emu),
				ConfigVariables: v1.vars(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(credAddr, plancheck.ResourceActionCreate), noSecretInPlan{secret1}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					noSecretInState{secret1},
					statecheck.ExpectKnownValue(credAddr, tfjsonpath.New("secret_access_key_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(credAddr, tfjsonpath.New("type"), knownvalue.StringExact("AWS_USER")),
					statecheck.ExpectKnownValue(credAddr, tfjsonpath.New("shared"), knownvalue.Bool(false)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					captureAttr(credAddr, "id", &id),
					resource.TestCheckResourceAttrSet(credAddr, "owner_id"),
					resource.TestCheckResourceAttrSet(credAddr, "tenant_id"),
					resource.TestCheckResourceAttrSet(credAddr, "time_created"),
					resource.TestCheckResourceAttrSet(credAddr, "time_modified"),
					emulatorHolds(t, emu, name, key1, secret1),
					noSecretInStateFiles(secret1),
					log.expectWrites(t, "POST /api/storageCredentials"),
				),
			},
			{
				// A new write-only secret is sent once, in place, when the version changes.
				Config:          v2.hcl(emu),
				ConfigVariables: v2.vars(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(credAddr, plancheck.ResourceActionUpdate), noSecretInPlan{secret2}},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{noSecretInState{secret2}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(credAddr, "id", &id),
					emulatorHolds(t, emu, name, key1, secret2),
					noSecretInStateFiles(secret2),
					log.expectWrites(t, "POST :updateSecrets"),
				),
			},
			{
				Config:          v3.hcl(emu),
				ConfigVariables: v3.vars(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					emulatorHolds(t, emu, name, key2, secret2),
					log.expectWrites(t, "POST :updateSecrets"),
				),
			},
			{
				Config:          v4.hcl(emu),
				ConfigVariables: v4.vars(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(credAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(credAddr, "shared", "true"),
					log.expectWrites(t, "POST :share"),
				),
			},
			{
				Config:          v5.hcl(emu),
				ConfigVariables: v5.vars(),
				ExpectError:     errRE(`ICA cannot unshare a storage credential`),
			},
			{
				ResourceName:            credAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"access_key_id", "secret_access_key_wo_version", "shared"},
				Config:                  v4.hcl(emu),
				ConfigVariables:         v4.vars(),
			},
			{
				ResourceName:            credAddr,
				ImportState:             true,
				ImportStateId:           "name:" + name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"access_key_id", "secret_access_key_wo_version", "shared"},
				Config:                  v4.hcl(emu),
				ConfigVariables:         v4.vars(),
			},
			{
				// A new name is a new credential; the old one stays in ICA (no delete API).
				Config:          renamed.hcl(emu),
				ConfigVariables: renamed.vars(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					emulatorHolds(t, emu, name, key2, secret2),
					emulatorHolds(t, emu, renamed.name, key2, secret2),
					func(s *terraform.State) error {
						if got := s.RootModule().Resources[credAddr].Primary.ID; got == id {
							return fmt.Errorf("renaming kept id %s", id)
						}
						return nil
					},
					log.expectWrites(t, "POST /api/storageCredentials", "POST :share"),
				),
			},
		},
	})
}

func TestAccSecretCredential_storedSecret(t *testing.T) {
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	log := &writeLog{e: emu}
	name := acctest.RandomName("tf-cred")
	c1 := credConfig{name: name, keyID: "AKIAIOSFODNN7EXAMPLE", secret: "stored-" + acctest.RandomName("s"), stored: true}
	c2 := c1
	c2.secret = "stored-" + acctest.RandomName("s")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:          c1.hcl(emu),
				ConfigVariables: c1.vars(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(credAddr, "secret_access_key", c1.secret),
					emulatorHolds(t, emu, name, c1.keyID, c1.secret),
					log.expectWrites(t, "POST /api/storageCredentials"),
				),
			},
			{
				Config:          c2.hcl(emu),
				ConfigVariables: c2.vars(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credAddr, plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					emulatorHolds(t, emu, name, c1.keyID, c2.secret),
					log.expectWrites(t, "POST :updateSecrets"),
				),
			},
		},
	})
}

// A credential removed in the ICA UI is planned for creation again.
func TestAccSecretCredential_drift(t *testing.T) {
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	cfg := credConfig{name: acctest.RandomName("tf-cred"), keyID: "AKIAIOSFODNN7EXAMPLE", secret: "s-" + acctest.RandomName("s"), version: 1}
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:          cfg.hcl(emu),
				ConfigVariables: cfg.vars(),
				Check:           captureAttr(credAddr, "id", &id),
			},
			{
				PreConfig:       func() { emu.DeleteCredential(t, id) },
				Config:          cfg.hcl(emu),
				ConfigVariables: cfg.vars(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credAddr, plancheck.ResourceActionCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					emulatorHolds(t, emu, cfg.name, cfg.keyID, cfg.secret),
					func(s *terraform.State) error {
						if s.RootModule().Resources[credAddr].Primary.ID == id {
							return fmt.Errorf("the credential was not recreated")
						}
						return nil
					},
				),
			},
		},
	})
}

// Destroy only forgets the credential; applying again adopts it instead of creating a second one.
func TestAccSecretCredential_destroyThenAdopt(t *testing.T) {
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	log := &writeLog{e: emu}
	cfg := credConfig{name: acctest.RandomName("tf-cred"), keyID: "AKIAIOSFODNN7EXAMPLE", secret: "s-" + acctest.RandomName("s"), version: 1}
	again := cfg
	again.secret = "s-" + acctest.RandomName("s")
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:          cfg.hcl(emu),
				ConfigVariables: cfg.vars(),
				Check:           resource.ComposeAggregateTestCheckFunc(captureAttr(credAddr, "id", &id), log.skip(t)),
			},
			{
				// Destroy: no request changes anything in ICA, and the credential is still there.
				Config: acctest.ProviderConfig(emu, nil),
				Check: resource.ComposeAggregateTestCheckFunc(
					log.expectWrites(t),
					emulatorHolds(t, emu, cfg.name, cfg.keyID, cfg.secret),
				),
			},
			{
				Config:          again.hcl(emu),
				ConfigVariables: again.vars(),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(credAddr, "id", &id),
					emulatorHolds(t, emu, cfg.name, cfg.keyID, again.secret),
					log.expectWrites(t, "POST :updateSecrets"),
				),
			},
		},
	})
}

func TestAccSecretCredential_importErrors(t *testing.T) {
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	cfg := credConfig{name: acctest.RandomName("tf-cred"), keyID: "AKIAIOSFODNN7EXAMPLE", secret: "s", version: 1}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:          cfg.hcl(emu),
				ConfigVariables: cfg.vars(),
				ResourceName:    credAddr,
				ImportState:     true,
				ImportStateId:   "name:no-such-credential",
				ExpectError:     errRE(`No ICA storage credential has this name`),
			},
			{
				Config:          cfg.hcl(emu),
				ConfigVariables: cfg.vars(),
				ResourceName:    credAddr,
				ImportState:     true,
				ImportStateId:   "not-a-uuid",
				ExpectError:     errRE(`neither a storage credential UUID nor name:<name>`),
			},
			{
				Config:          cfg.hcl(emu),
				ConfigVariables: cfg.vars(),
				ResourceName:    credAddr,
				ImportState:     true,
				ImportStateId:   "0f8fad5b-d9cb-469f-a165-70867728950e",
				ExpectError:     errRE(`Cannot import non-existent remote object`),
			},
		},
	})
}

func TestAccSecretCredential_invalidInput(t *testing.T) {
	unsetICAEnv(t)
	step := func(body, want string) resource.TestStep {
		return resource.TestStep{
			Config:      "provider \"ica\" {}\n\nresource \"ica_secret_credential\" \"x\" {\n" + body + "\n}\n",
			PlanOnly:    true,
			ExpectError: errRE(want),
		}
	}
	const ok = `access_key_id = "AKIAIOSFODNN7EXAMPLE"
  secret_access_key_wo = "s"`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			step(`name = "has space"`+"\n"+ok, `ICA credential name "has space" is not valid`),
			step(`name = "`+strings.Repeat("a", 151)+`"`+"\n"+ok, `151 characters long; ICA allows 1 to 150`),
			step(`name = "ok"
  access_key_id = "not a key"
  secret_access_key_wo = "s"`, `is not an AWS access key ID`),
			step(`name = "ok"
  access_key_id = "AKIAIOSFODNN7EXAMPLE"`, `Exactly one of these attributes must be configured`),
			step(`name = "ok"
  access_key_id = "AKIAIOSFODNN7EXAMPLE"
  secret_access_key = "a"
  secret_access_key_wo = "b"`, `Invalid Attribute Combination`),
			step(`name = "ok"
  access_key_id = "AKIAIOSFODNN7EXAMPLE"
  secret_access_key = "a"
  secret_access_key_wo_version = 1`, `secret_access_key_wo`),
			step(`name = "ok"
  type = "AWS_ROLE"
  `+ok, `value must be one of`),
			step(`name = "ok"
  access_key_id = "AKIAIOSFODNN7EXAMPLE"
  secret_access_key_wo = "a=b"`, `does not accept '=' or ','`),
		},
	})
}

// Transient ICA failures are retried: the apply succeeds and the credential is created once.
func TestAccSecretCredential_transientFaults(t *testing.T) {
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	log := &writeLog{e: emu}
	cfg := credConfig{name: acctest.RandomName("tf-cred"), keyID: "AKIAIOSFODNN7EXAMPLE", secret: "s-" + acctest.RandomName("s"), version: 1}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				emu.InjectFault(t, acctest.Fault{Method: "GET", Path: "/api/storageCredentials*", Status: 503, Count: 2})
			},
			Config:          cfg.hcl(emu),
			ConfigVariables: cfg.vars(),
			Check: resource.ComposeAggregateTestCheckFunc(
				emulatorHolds(t, emu, cfg.name, cfg.keyID, cfg.secret),
				log.expectWrites(t, "POST /api/storageCredentials"),
				func(*terraform.State) error {
					failed := 0
					for _, r := range emu.Requests(t) {
						if r.Method == "GET" && r.Status == 503 {
							failed++
						}
					}
					if failed != 2 {
						return fmt.Errorf("want the 2 injected 503s in the request log, got %d", failed)
					}
					return nil
				},
			),
		}},
	})
}

// A credential made outside Terraform is imported with an import block by name; ICA never returns the key
// id, so the same apply sends the configured secrets exactly once, and the next plan is empty.
func TestAccSecretCredential_importBlockSendsSecretsOnce(t *testing.T) {
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	name := acctest.RandomName("tf-cred")
	if _, err := icaClient(t, emu).CreateStorageCredential(context.Background(), ica.CreateStorageCredential{
		Name: name, Type: ica.CredentialTypeAWSUser,
		AWSCredentials: &ica.AWSCredentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "made-by-hand"},
	}); err != nil {
		t.Fatal(err)
	}
	log := &writeLog{e: emu}
	log.next(t)
	cfg := credConfig{name: name, keyID: "AKIAI44QH8DHBEXAMPLE", secret: "s-" + acctest.RandomName("s"), version: 1}
	withImport := cfg.hcl(emu) + fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", credAddr, "name:"+name)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:          withImport,
			ConfigVariables: cfg.vars(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(credAddr, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{noSecretInState{cfg.secret}},
			Check: resource.ComposeAggregateTestCheckFunc(
				emulatorHolds(t, emu, name, cfg.keyID, cfg.secret),
				log.expectWrites(t, "POST :updateSecrets"),
			),
		}},
	})
}
