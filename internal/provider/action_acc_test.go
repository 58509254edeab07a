package provider_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// validateCount is how many :validate calls of configuration id the emulator answered with a 2xx.
func validateCount(t *testing.T, emu *acctest.Emulator, id string) int {
	n := 0
	for _, r := range emu.Requests(t) {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/"+id+":validate") && r.Status/100 == 2 {
			n++
		}
	}
	return n
}

// TestAccAction_validateInvoke: terraform apply -invoke runs the action, which reports progress and succeeds
// on OK; with the credential gone ICA settles ERROR and the action fails with ICA's message.
func TestAccAction_validateInvoke(t *testing.T) {
	acctest.RequireFeature(t, acctest.FeatureActions)
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{ValidationDelay: 1500 * time.Millisecond})
	cred, sc := handMadeICA(t, emu, acctest.RandomName("tf-act"), acctest.RandomName("sc"), "AKIAIOSFODNN7EXAMPLE")

	cli := acctest.NewCLI(t)
	cli.Write("main.tf", acctest.ProviderConfig(emu, nil)+fmt.Sprintf(`
action "ica_storage_configuration_validate" "sc" {
  config {
    id = %q
  }
}
`, sc.ID))
	cli.MustRun("init")
	const invoke = "-invoke=action.ica_storage_configuration_validate.sc"
	out := cli.MustRun("apply", "-auto-approve", invoke)
	for _, want := range []string{
		fmt.Sprintf("ICA is validating the storage configuration %q (%s)", sc.Name, sc.ID),
		fmt.Sprintf("ICA reports the storage configuration %q (%s) OK", sc.Name, sc.ID),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the action's output lacks %q:\n%s", want, out)
		}
	}
	if n := validateCount(t, emu, sc.ID); n != 1 {
		t.Errorf("want one :validate, got %d", n)
	}

	emu.DeleteCredential(t, cred.ID)
	out, code := cli.Run("apply", "-auto-approve", invoke)
	if code == 0 {
		t.Fatalf("the action succeeded on a configuration whose credential is gone:\n%s", out)
	}
	if want := fmt.Sprintf(`ICA reports the storage configuration "%s" (%s) in ERROR:`, sc.Name, sc.ID); !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
		t.Errorf("want the failure to carry %q with ICA's message:\n%s", want, out)
	}
}

// TestAccAction_validateAfterKeyChange: the documented pattern. A terraform_data replaced when the access key
// id changes triggers the action after its creation; the graph has no cycle, and a key change validates the
// configuration once, after ICA got the new key.
func TestAccAction_validateAfterKeyChange(t *testing.T) {
	acctest.RequireFeature(t, acctest.FeatureActions)
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{ValidationDelay: 100 * time.Millisecond})
	credName, scName := acctest.RandomName("tf-act"), acctest.RandomName("sc")
	config := func(keyID string) string {
		return acctest.ProviderConfig(emu, nil) + fmt.Sprintf(`
data "ica_region" "us" {
  name = "United States"
}

resource "ica_secret_credential" "c" {
  name              = %q
  access_key_id     = %q
  secret_access_key = "secret-of-%[2]s"
}

resource "ica_storage_configuration" "sc" {
  name          = %q
  credential_id = ica_secret_credential.c.id
  region_id     = data.ica_region.us.id
  bucket        = "my-bucket"
  prefix        = "ica/"
}

action "ica_storage_configuration_validate" "sc" {
  config {
    id = ica_storage_configuration.sc.id
  }
}

output "sc_id" {
  value = ica_storage_configuration.sc.id
}

# Replaced whenever the key changes; its creation triggers the validation.
resource "terraform_data" "revalidate" {
  triggers_replace = ica_secret_credential.c.access_key_id

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.ica_storage_configuration_validate.sc]
    }
  }
}
`, credName, keyID, scName)
	}
	cli := acctest.NewCLI(t)
	cli.Write("main.tf", config("AKIAIOSFODNN7EXAMPLE"))
	cli.MustRun("init")
	cli.MustRun("apply", "-auto-approve")
	scID := strings.TrimSpace(cli.MustRun("output", "-raw", "sc_id"))
	if n := validateCount(t, emu, scID); n != 1 {
		t.Errorf("after create: want one :validate (the trigger), got %d", n)
	}
	if out, code := cli.Run("plan", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after apply is not empty (exit %d):\n%s", code, out)
	}

	cli.Write("main.tf", config("AKIAI44QH8DHBEXAMPLE"))
	out := cli.MustRun("apply", "-auto-approve")
	if n := validateCount(t, emu, scID); n != 2 {
		t.Errorf("after the key change: want a second :validate, got %d in all:\n%s", n, out)
	}
	var updated, validated int
	for i, r := range emu.Requests(t) {
		switch {
		case r.Method == "POST" && strings.HasSuffix(r.Path, ":updateSecrets"):
			updated = i
		case r.Method == "POST" && strings.HasSuffix(r.Path, scID+":validate"):
			validated = i
		}
	}
	if validated < updated {
		t.Errorf("the configuration was validated (request %d) before ICA got the new key (request %d)", validated, updated)
	}
}
