package provider_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// handMadeICA makes a credential and a storage configuration in the emulator the way the ICA UI would, and
// returns them.
func handMadeICA(t *testing.T, emu *acctest.Emulator, credName, scName, keyID string) (*ica.StorageCredential, *ica.StorageConfiguration) {
	t.Helper()
	ctx := context.Background()
	client := icaClient(t, emu)
	cred, err := client.CreateStorageCredential(ctx, ica.CreateStorageCredential{
		Name: credName, Type: ica.CredentialTypeAWSUser,
		AWSCredentials: &ica.AWSCredentials{AccessKeyID: keyID, SecretAccessKey: "made-in-the-ui"},
	})
	if err != nil {
		t.Fatal(err)
	}
	regions, err := client.ListRegions(ctx)
	if err != nil || len(regions) == 0 {
		t.Fatalf("listing regions: %v (%d)", err, len(regions))
	}
	prefix := "ica/"
	sc, err := client.CreateStorageConfiguration(ctx, ica.CreateStorageConfiguration{
		Name: scName, StorageCredentialID: cred.ID, Type: "AWS_S3", RegionID: regions[0].ID,
		AWSDetails: &ica.AWSDetails{BucketName: acctest.RandomName("tf-list"), KeyPrefix: &prefix},
	})
	if err != nil {
		t.Fatal(err)
	}
	return cred, sc
}

// queryThenImport runs terraform query -generate-config-out in cli, lets fill edit the generated file (the
// attributes ICA never returns), then checks that the plan imports what the query found with exactly
// wantPlan as its summary, applies it, and checks that the next plan is empty.
func queryThenImport(t *testing.T, cli *acctest.CLI, wantFound []string, fill func(generated string) string, wantPlan string) string {
	t.Helper()
	cli.MustRun("init")
	out := cli.MustRun("query", "-generate-config-out=generated.tf")
	for _, want := range wantFound {
		if !strings.Contains(out, want) {
			t.Errorf("terraform query does not list %q:\n%s", want, out)
		}
	}
	generated := cli.Read("generated.tf")
	if !strings.Contains(generated, "identity = {") {
		t.Fatalf("the generated configuration has no import block with an identity:\n%s", generated)
	}
	cli.Write("generated.tf", fill(generated))
	plan := cli.MustRun("plan", "-out=import.tfplan")
	if !strings.Contains(plan, wantPlan) {
		t.Fatalf("want a plan with %q, got:\n%s\n\ngenerated configuration:\n%s", wantPlan, plan, cli.Read("generated.tf"))
	}
	cli.MustRun("apply", "import.tfplan")
	if out, code := cli.Run("plan", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after import is not empty (exit %d):\n%s", code, out)
	}
	return generated
}

// TestAccList_generateConfigICA: a project, credentials and storage configurations made in ICA (the
// emulator) are listed with a name filter; the generated configuration imports them, and once the credential's key is
// filled in (ICA never returns it) the plan after import is empty.
func TestAccList_generateConfigICA(t *testing.T) {
	acctest.RequireFeature(t, acctest.FeatureQuery, acctest.FeatureIdentity)
	unsetICAEnv(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{ValidationDelay: 100 * time.Millisecond})
	credName, scName := acctest.RandomName("tf-list-cred"), acctest.RandomName("sc")
	other, _ := handMadeICA(t, emu, acctest.RandomName("tf-other"), acctest.RandomName("sc"), "AKIAI44QH8DHBEXAMPLE")
	cred, sc := handMadeICA(t, emu, credName, scName, "AKIAIOSFODNN7EXAMPLE")
	const newKey = "AKIAJ7EXAMPLEKEYID22"

	pf := &projectFixture{emu: emu, region: icaemulator.RegionID("US")}
	pf.configID = pf.newConfiguration(t, acctest.RandomName("pc"))
	projectName := "Listed " + acctest.RandomName("p")
	projectID := pf.createDirectly(t, projectName, pf.configID)

	cli := acctest.NewCLI(t)
	cli.Write("main.tf", acctest.ProviderConfig(emu, nil))
	cli.Write("discover.tfquery.hcl", fmt.Sprintf(`
list "ica_project" "p" {
  provider = ica
  config {
    name = %q
  }
}

list "ica_secret_credential" "c" {
  provider = ica
  config {
    name = %q
  }
}

list "ica_storage_configuration" "sc" {
  provider = ica
  config {
    name = %q
  }
}
`, projectName, credName, scName))
	generated := queryThenImport(t, cli, []string{"id=" + cred.ID, "id=" + sc.ID, "id=" + projectID}, func(g string) string {
		// ICA's list does not say the project's folder.
		g = strings.Replace(g, "storage_configuration_subfolder = null", `storage_configuration_subfolder = "runs"`, 1)
		g = strings.Replace(g, "access_key_id                = null", fmt.Sprintf("access_key_id                = %q", newKey), 1)
		g = strings.Replace(g, "secret_access_key_wo         = null # sensitive", `secret_access_key_wo         = "filled-in"`, 1)
		return strings.Replace(g, "secret_access_key_wo_version = null", "secret_access_key_wo_version = 1", 1)
	}, "Plan: 3 to import, 0 to add, 1 to change, 0 to destroy.")
	if strings.Contains(generated, other.ID) {
		t.Errorf("the name filter let another credential through:\n%s", generated)
	}
	// The configuration's credential comes from ICA's list; the credential's key id is the one filled in.
	if !strings.Contains(generated, fmt.Sprintf("credential_id      = %q", cred.ID)) {
		t.Errorf("the storage configuration's credential_id is not %s:\n%s", cred.ID, generated)
	}
	if err := emulatorHolds(t, emu, credName, newKey, "filled-in")(nil); err != nil {
		t.Error(err)
	}
}

// TestAccList_s3Connections: a connection this provider made whose state was lost is found by its IAM
// user's ownership tags, a connection made by hand by the bucket and credential it names; the generated
// configuration imports both with an empty plan.
func TestAccList_s3Connections(t *testing.T) {
	acctest.RequireFeature(t, acctest.FeatureQuery, acctest.FeatureIdentity)
	env := newConnEnv(t)
	h := makeHandMade(t, env)
	owned := acctest.RandomName("u")

	cli := acctest.NewCLI(t)
	cli.Write("main.tf", env.providerConfig()+fmt.Sprintf(`
resource "ica_s3_connection" "lost" {
  bucket        = %q
  prefix        = "tf/"
  iam_user_name = %q
}
`, env.bucket, owned))
	cli.MustRun("init")
	cli.MustRun("apply", "-auto-approve")
	// The state is lost: only the provider block remains.
	if err := os.Remove(filepath.Join(cli.Dir, "terraform.tfstate")); err != nil {
		t.Fatal(err)
	}
	cli.Write("main.tf", env.providerConfig())
	cli.Write("discover.tfquery.hcl", fmt.Sprintf(`
list "ica_s3_connection" "ours" {
  provider = ica
  config {
    bucket = %[1]q
  }
}

list "ica_s3_connection" "by_hand" {
  provider = ica
  config {
    bucket          = %[1]q
    credential_name = %[2]q
  }
}
`, env.bucket, h.credName))
	generated := queryThenImport(t, cli, []string{env.bucket + ":" + owned + ":", env.bucket + ":" + h.user + ":" + h.credName},
		func(g string) string { return g }, "Plan: 2 to import, 0 to add, 0 to change, 0 to destroy.")
	if strings.Count(generated, `resource "ica_s3_connection"`) != 2 {
		t.Errorf("want exactly two connections generated:\n%s", generated)
	}
	cli.MustRun("destroy", "-auto-approve")
	if err := env.checkDestroyed(t, []string{owned, h.user}, []string{h.policyName})(nil); err != nil {
		t.Error(err)
	}
}
