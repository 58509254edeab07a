package reliability

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// jwtShape matches any JSON Web Token: the emulator's, ICA's, or one a provider bug would print.
var jwtShape = regexp.MustCompile(`eyJ[\w-]+\.[\w-]+\.[\w-]+`)

// artefact is one thing a user or CI system keeps after Terraform ran: a file, a log, a command's output.
type artefact struct {
	name, text string
}

// TestSecretsNeverLeak runs a full life cycle of ica_s3_connection and ica_secret_credential (with a
// write-only secret) through the real terraform CLI with TF_LOG=TRACE: create (first failing at ICA), rotate
// (first failing at ICA), state rm + import, plan to a file, show, destroy. It records every secret that exists in the process (the secret access keys
// IAM generated, read from CreateAccessKey responses on the wire; the write-only secrets; the ICA API key)
// and then finds none of them, and no JWT, in the state files, the plan file, `terraform show -json` of both,
// the TRACE log, or any command's output.
func TestSecretsNeverLeak(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	m := acctest.SharedMoto(t)
	front := newAWSFront(t, m)
	emu := acctest.NewEmulator(t, icaemulator.Options{APIKey: "ica-api-key-" + acctest.RandomName("k")})
	// The JWT scan is only worth something if the tokens the provider gets have the shape it looks for.
	if jwt := mintToken(t, emu); !jwtShape.MatchString(jwt) {
		t.Fatalf("the emulator's tokens (%.12s...) do not match %s: the JWT scan would find nothing", jwt, jwtShape)
	}
	token := acctest.RandomName("sec-")
	createBucket(t, m, token, "")

	d := newTFDir(t, true)
	// The API key comes from the environment: a saved plan keeps a copy of the configuration, so a key
	// written there would be found in the plan file by the user's own doing.
	d.env = append(d.env, "ICA_API_KEY="+emu.APIKey)
	woSecrets := []string{"wo-" + acctest.RandomName("s1"), "wo-" + acctest.RandomName("s2")}
	config := withoutAPIKey(front.providerConfig(emu)) + fmt.Sprintf(`
variable "cred_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}
variable "rotation" {
  type = string
}
variable "wo_version" {
  type = number
}

resource "ica_s3_connection" "c" {
  bucket           = %q
  prefix           = "ica"
  rotation_trigger = var.rotation
}

resource "ica_secret_credential" "extra" {
  name                         = "%s-extra"
  access_key_id                = "AKIAIOSFODNN7EXAMPLE"
  secret_access_key_wo         = var.cred_secret
  secret_access_key_wo_version = var.wo_version
}

output "iam_user_name" { value = ica_s3_connection.c.iam_user_name }
output "credential_id" { value = ica_s3_connection.c.credential_id }
output "extra_id"      { value = ica_secret_credential.extra.id }
`, token, token)
	d.write(config)
	vars := func(rotation string, version int) {
		d.setVars(map[string]string{"cred_secret": woSecrets[version-1], "rotation": rotation, "wo_version": fmt.Sprint(version)})
	}

	// Create, first failing at ICA (its error diagnostics are scanned too), then succeeding.
	vars("1", 1)
	emu.InjectFault(t, acctest.Fault{Method: "POST", Path: "/api/storageCredentials", Status: 500, Count: 1000})
	if out, err := d.run("apply", "-auto-approve", "-no-color"); err == nil {
		t.Fatalf("apply with ICA failing every credential create succeeded:\n%s", out)
	}
	emu.ClearFaults(t)
	d.must("apply", "-auto-approve", "-no-color")
	if empty, out := d.planIsEmpty(); !empty {
		t.Fatalf("plan after create is not empty:\n%s", out)
	}
	// Rotate the connection's key and send a new write-only secret, first with ICA refusing the new secrets.
	vars("2", 2)
	emu.InjectFault(t, acctest.Fault{Method: "POST", Path: "/api/storageCredentials/*", Status: 500, Count: 1000})
	if out, err := d.run("apply", "-auto-approve", "-no-color"); err == nil {
		t.Fatalf("apply with ICA failing every :updateSecrets succeeded:\n%s", out)
	}
	emu.ClearFaults(t)
	d.must("apply", "-auto-approve", "-no-color")

	// Prove the recorder saw what ICA received: the connection's credential holds the last generated key.
	generated := front.Keys.Secrets()
	if len(generated) < 2 {
		t.Fatalf("recorded %d generated secret keys, want at least 2 (create and rotation)", len(generated))
	}
	credID := d.output("credential_id")
	assertICAHoldsOneOf(t, emu, credID, generated)

	// Forget and import both resources, then plan to a file and show everything.
	user, extraID := d.output("iam_user_name"), d.output("extra_id")
	d.must("state", "rm", "ica_s3_connection.c", "ica_secret_credential.extra")
	d.must("import", "-no-color", "ica_s3_connection.c", fmt.Sprintf("%s:%s:%s", token, user, credID))
	d.must("import", "-no-color", "ica_secret_credential.extra", extraID)
	d.must("apply", "-auto-approve", "-no-color")
	d.must("plan", "-no-color", "-out=plan.bin")
	d.must("show", "-json", "plan.bin")
	d.must("show", "-json")
	d.must("destroy", "-auto-approve", "-no-color")
	if objs := scenarioObjects(t, m, token, token); !objs.empty() {
		t.Errorf("destroy left AWS objects behind: %s", objs)
	}

	secrets := map[string]string{"ICA API key": emu.APIKey}
	for i, s := range append(front.Keys.Secrets(), woSecrets...) {
		secrets[fmt.Sprintf("secret #%d", i+1)] = s
	}
	arts := d.artefacts(t)
	if len(arts) < 5 {
		t.Fatalf("collected only %d artefacts; the scan would prove nothing", len(arts))
	}
	var leaks []string
	for _, a := range arts {
		for what, s := range secrets {
			if strings.Contains(a.text, s) || strings.Contains(a.text, strings.ReplaceAll(s, "/", `\/`)) {
				leaks = append(leaks, fmt.Sprintf("%s in %s", what, a.name))
			}
		}
		if jwt := jwtShape.FindString(a.text); jwt != "" {
			leaks = append(leaks, fmt.Sprintf("a JWT (%s...) in %s", jwt[:12], a.name))
		}
	}
	if len(leaks) > 0 {
		t.Fatalf("secrets leaked:\n%s", strings.Join(leaks, "\n"))
	}
	t.Logf("scanned %d artefacts (%d bytes of TRACE log) for %d secrets and JWTs: none found",
		len(arts), len(readAll(t, d.logPath)), len(secrets))
}

// assertICAHoldsOneOf checks, through the emulator's hash, that the credential's secret is one of the recorded
// keys: the recorder really captured the secrets that travelled to ICA.
func assertICAHoldsOneOf(t *testing.T, emu *acctest.Emulator, credentialID string, secrets []string) {
	t.Helper()
	hashes := map[string]bool{}
	for _, s := range secrets {
		sum := sha256.Sum256([]byte(s))
		hashes[hex.EncodeToString(sum[:])] = true
	}
	for _, c := range emu.Credentials(t) {
		if c.ID != credentialID {
			continue
		}
		if !hashes[strings.ToLower(c.SecretSha256)] {
			t.Fatalf("ICA credential %s holds a secret that is none of the %d recorded CreateAccessKey secrets", c.ID, len(secrets))
		}
		return
	}
	t.Fatalf("ICA has no credential %s", credentialID)
}

// setVars sets Terraform variables through the environment: -var would put them in the TRACE log's command
// line, and a tfvars file would be an artefact of its own.
func (d *tfDir) setVars(vars map[string]string) {
	env := d.env[:0:0]
	for _, e := range d.env {
		if !strings.HasPrefix(e, "TF_VAR_") {
			env = append(env, e)
		}
	}
	for k, v := range vars {
		env = append(env, "TF_VAR_"+k+"="+v)
	}
	d.env = env
}

// output reads a root module output.
func (d *tfDir) output(name string) string {
	d.t.Helper()
	out := d.must("output", "-raw", name)
	return strings.TrimSpace(out)
}

// artefacts gathers every file of the working directory but the configuration (state, backups, plan
// file entries, lock files), the TRACE log, and the output of every command run.
func (d *tfDir) artefacts(t *testing.T) []artefact {
	t.Helper()
	var out []artefact
	err := filepath.WalkDir(d.dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(d.dir, path)
		if rel == "main.tf" || rel == ".terraformrc" {
			return nil
		}
		if strings.HasSuffix(rel, ".bin") {
			out = append(out, planEntries(t, path, rel)...)
			return nil
		}
		out = append(out, artefact{name: rel, text: readAll(t, path)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	out = append(out, artefact{name: "command output", text: d.outputs.String()})
	d.mu.Unlock()
	return out
}

// planEntries reads a saved plan (a zip archive) entry by entry: compressed, a secret would not be found.
func planEntries(t *testing.T, path, rel string) []artefact {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("opening plan file %s: %v", path, err)
	}
	defer func() { _ = z.Close() }()
	var out []artefact
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		_ = r.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, artefact{name: rel + ":" + f.Name, text: string(b)})
	}
	return out
}

// withoutAPIKey drops the api_key line of a provider block.
func withoutAPIKey(block string) string {
	var keep []string
	for _, line := range strings.Split(block, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "api_key") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// mintToken trades the API key for a JWT, as the provider does.
func mintToken(t *testing.T, emu *acctest.Emulator) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, emu.URL+"/api/tokens", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", emu.APIKey)
	req.Header.Set("Accept", "application/vnd.illumina.v3+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /api/tokens: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/tokens: %s, %v", resp.Status, err)
	}
	return body.Token
}
