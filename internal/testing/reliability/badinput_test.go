package reliability

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// badEnv is what one bad-input case runs against: its own emulator, the shared moto, and a token that is
// part of every name the case uses (so the "nothing created" check finds only this case's objects).
type badEnv struct {
	emu    *acctest.Emulator
	moto   *acctest.Moto
	token  string
	bucket string // an existing bucket in us-east-1 unless the case says otherwise
}

func (e *badEnv) provider() string { return acctest.ProviderConfig(e.emu, e.moto) }

// noICA is a provider block with AWS settings but no ICA credentials.
func (e *badEnv) noICA() string { return acctest.ProviderConfig(nil, e.moto) }

// connection is an ica_s3_connection on the case's bucket with extra attributes.
func (e *badEnv) connection(extra string) string {
	return e.provider() + fmt.Sprintf(`
resource "ica_s3_connection" "c" {
  bucket = %q
%s
}
`, e.bucket, extra)
}

// credential is an ica_secret_credential with the given attributes (name included by the caller).
func (e *badEnv) credential(attrs string) string {
	return e.provider() + "\nresource \"ica_secret_credential\" \"c\" {\n" + attrs + "\n}\n"
}

// storage is an ica_storage_configuration with valid required attributes, overridden or extended by fields
// (HCL refuses an attribute set twice, so a case replaces a value rather than appending one). The
// "timeouts" field holds the body of the timeouts block.
func (e *badEnv) storage(fields map[string]string) string {
	base := map[string]string{
		"name":          fmt.Sprintf("%q", e.token),
		"credential_id": `"3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c"`,
		"region_id":     `"9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"`,
		"bucket":        fmt.Sprintf("%q", e.bucket),
	}
	for k, v := range fields {
		base[k] = v
	}
	var b strings.Builder
	b.WriteString(e.provider())
	b.WriteString("\nresource \"ica_storage_configuration\" \"c\" {\n")
	keys := make([]string, 0, len(base))
	for k := range base {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if base[k] == "" {
			continue
		}
		if k == "timeouts" {
			fmt.Fprintf(&b, "  timeouts {\n    %s\n  }\n", base[k])
			continue
		}
		fmt.Fprintf(&b, "  %s = %s\n", k, base[k])
	}
	b.WriteString("}\n")
	return b.String()
}

// project is an ica_project with valid required attributes before attrs (HCL refuses an attribute set
// twice, so region_id is left out when a case sets it).
func (e *badEnv) project(attrs ...string) string {
	body := strings.Join(attrs, "\n  ")
	if !strings.Contains(body, "region_id") {
		body += "\n  region_id = \"9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\""
	}
	return e.provider() + "\nresource \"ica_project\" \"c\" {\n  " + body +
		"\n  storage_bundle_id = \"5b7a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d\"\n}\n"
}

type badInput struct {
	name string
	// config is the whole configuration (provider block included).
	config func(e *badEnv) string
	// expect: phrases the error output must contain, the attribute name first.
	expect []string
	// before, when set, is applied first (e.g. shared = true) and must succeed; the bad config is the
	// second step and nothing may be written after the first.
	before func(e *badEnv) string
	// atApply: the bad value can only be seen at apply (a bucket may be created in the same apply, so a
	// missing one is a plan warning); the apply must still fail before anything is created.
	atApply bool
	// bucketRegion: create the case's bucket in this region ("none": do not create it).
	bucketRegion string
	// secret: a value that must not appear in the output (secret validators must not echo the secret).
	secret string
}

const validKeyID = "AKIAIOSFODNN7EXAMPLE"

// sensitiveVar declares var.secret: a literal in the resource block would be echoed by Terraform's own source
// snippet, while a sensitive variable is not, so any echo left is the provider's.
func sensitiveVar(value string) string {
	return fmt.Sprintf("variable \"secret\" {\n  type      = string\n  sensitive = true\n  default   = %q\n}\n", value)
}

func badInputs() []badInput {
	long := func(n int) string { return strings.Repeat("a", n) }
	return []badInput{
		// provider block
		{name: "provider/api_key+access_token", config: func(e *badEnv) string {
			return fmt.Sprintf("provider \"ica\" {\n  base_url = %q\n  api_key = \"k\"\n  access_token = \"eyJ.x.y\"\n}\ndata \"ica_regions\" \"r\" {}\n", e.emu.URL)
		}, expect: []string{"access_token", "api_key"}},
		{name: "provider/http-remote", config: func(e *badEnv) string {
			return "provider \"ica\" {\n  base_url = \"http://ica.example.com/ica/rest\"\n  api_key = \"k\"\n}\ndata \"ica_regions\" \"r\" {}\n"
		}, expect: []string{"base_url", "plain http://", "use https://"}},
		{name: "provider/ftp-scheme", config: func(e *badEnv) string {
			return "provider \"ica\" {\n  base_url = \"ftp://ica.illumina.com/ica/rest\"\n}\ndata \"ica_regions\" \"r\" {}\n"
		}, expect: []string{"base_url", "must start with https://"}},
		{name: "provider/userinfo-in-url", config: func(e *badEnv) string {
			return "provider \"ica\" {\n  base_url = \"https://me:pw@ica.illumina.com/ica/rest\"\n}\ndata \"ica_regions\" \"r\" {}\n"
		}, expect: []string{"base_url", "must not contain a user name or password", "api_key or access_token"}},
		{name: "provider/query-in-url", config: func(e *badEnv) string {
			return "provider \"ica\" {\n  base_url = \"https://ica.illumina.com/ica/rest?x=1\"\n}\ndata \"ica_regions\" \"r\" {}\n"
		}, expect: []string{"base_url", "must not have a query"}},
		{name: "provider/empty-url", config: func(e *badEnv) string {
			return "provider \"ica\" {\n  base_url = \"\"\n}\ndata \"ica_regions\" \"r\" {}\n"
		}, expect: []string{"base_url", "is empty", "leave it unset"}},
		{name: "provider/max_retries-negative", config: func(e *badEnv) string {
			return "provider \"ica\" {\n  max_retries = -1\n}\ndata \"ica_regions\" \"r\" {}\n"
		}, expect: []string{"max_retries", "between 0 and 100"}},
		{name: "provider/aws-key-without-secret", config: func(e *badEnv) string {
			return "provider \"ica\" {\n  aws {\n    access_key = \"AKIAIOSFODNN7EXAMPLE\"\n  }\n}\ndata \"ica_regions\" \"r\" {}\n"
		}, expect: []string{"secret_key", "access_key"}},

		// data sources
		{name: "ica_region/name+aws_region", config: func(e *badEnv) string {
			return e.provider() + "data \"ica_region\" \"r\" {\n  name = \"United States\"\n  aws_region = \"us-east-1\"\n}\n"
		}, expect: []string{"name", "aws_region", "exactly one"}},
		{name: "ica_region/neither", config: func(e *badEnv) string {
			return e.provider() + "data \"ica_region\" \"r\" {}\n"
		}, expect: []string{"name", "aws_region", "exactly one"}},
		{name: "ica_region/unknown-name", config: func(e *badEnv) string {
			return e.provider() + "data \"ica_region\" \"r\" {\n  name = \"Atlantis\"\n}\n"
		}, expect: []string{"name", "Atlantis", "United States", "Germany"}},
		{name: "ica_region/unknown-aws-region", config: func(e *badEnv) string {
			return e.provider() + "data \"ica_region\" \"r\" {\n  aws_region = \"us-west-7\"\n}\n"
		}, expect: []string{"aws_region", "us-west-7", "us-east-1", "eu-central-1"}},
		{name: "ica_s3_policy_document/bucket", config: func(e *badEnv) string {
			return e.provider() + "data \"ica_s3_policy_document\" \"p\" {\n  bucket = \"Bad_Bucket\"\n}\n"
		}, expect: []string{"bucket", "Bad_Bucket", "lowercase letters, digits"}},
		{name: "ica_s3_policy_document/prefix", config: func(e *badEnv) string {
			return e.provider() + fmt.Sprintf("data \"ica_s3_policy_document\" \"p\" {\n  bucket = %q\n  prefix = \"/x\"\n}\n", e.bucket)
		}, expect: []string{"prefix", `starts with "/"`, `write "x"`}},
		{name: "ica_s3_policy_document/kms", config: func(e *badEnv) string {
			return e.provider() + fmt.Sprintf("data \"ica_s3_policy_document\" \"p\" {\n  bucket = %q\n  kms_key_arn = \"alias/my-key\"\n}\n", e.bucket)
		}, expect: []string{"kms_key_arn", "alias/my-key", "arn:aws:kms:"}},

		// ica_secret_credential
		{name: "credential/name-space", config: func(e *badEnv) string {
			return e.credential(fmt.Sprintf("name = \"bad name %s\"\naccess_key_id = %q\nsecret_access_key_wo = \"s3cr3tValue\"", e.token, validKeyID))
		}, expect: []string{"name", "letters, digits", `"_" and "-" only`}},
		{name: "credential/name-too-long", config: func(e *badEnv) string {
			return e.credential(fmt.Sprintf("name = %q\naccess_key_id = %q\nsecret_access_key_wo = \"s3cr3tValue\"", e.token+long(151-len(e.token)), validKeyID))
		}, expect: []string{"name", "151 characters", "1 to 150"}},
		{name: "credential/name-empty", config: func(e *badEnv) string {
			return e.credential(fmt.Sprintf("name = \"\"\naccess_key_id = %q\nsecret_access_key_wo = \"s3cr3tValue\"", validKeyID))
		}, expect: []string{"name", "1 to 150"}},
		{name: "credential/type", config: func(e *badEnv) string {
			return e.credential(fmt.Sprintf("name = %q\ntype = \"AWS_ROLE\"\naccess_key_id = %q\nsecret_access_key_wo = \"s3cr3tValue\"", e.token, validKeyID))
		}, expect: []string{"type", "AWS_USER"}},
		{name: "credential/access_key_id", config: func(e *badEnv) string {
			return e.credential(fmt.Sprintf("name = %q\naccess_key_id = \"AKIA-SHORT\"\nsecret_access_key_wo = \"s3cr3tValue\"", e.token))
		}, expect: []string{"access_key_id", "AKIA-SHORT", "16 to 100 letters and digits"}},
		{name: "credential/both-secrets", config: func(e *badEnv) string {
			return e.credential(fmt.Sprintf("name = %q\naccess_key_id = %q\nsecret_access_key_wo = \"s3cr3tValue\"\nsecret_access_key = \"s3cr3tValue\"", e.token, validKeyID))
		}, expect: []string{"secret_access_key_wo", "secret_access_key"}},
		{name: "credential/no-secret", config: func(e *badEnv) string {
			return e.credential(fmt.Sprintf("name = %q\naccess_key_id = %q", e.token, validKeyID))
		}, expect: []string{"secret_access_key_wo", "secret_access_key"}},
		{name: "credential/wo_version-without-wo", config: func(e *badEnv) string {
			return e.credential(fmt.Sprintf("name = %q\naccess_key_id = %q\nsecret_access_key = \"s3cr3tValue\"\nsecret_access_key_wo_version = 1", e.token, validKeyID))
		}, expect: []string{"secret_access_key_wo_version", "secret_access_key_wo"}},
		{name: "credential/secret-with-equals", config: func(e *badEnv) string {
			return sensitiveVar("Leak=Me7Xq") + e.credential(fmt.Sprintf("name = %q\naccess_key_id = %q\nsecret_access_key_wo = var.secret", e.token, validKeyID))
		}, expect: []string{"secret_access_key_wo", "'='", "the secret access key that belongs to access_key_id"}, secret: "Leak=Me7Xq"},
		{name: "credential/secret-too-long", config: func(e *badEnv) string {
			return sensitiveVar("LeakMe"+long(95)) + e.credential(fmt.Sprintf("name = %q\naccess_key_id = %q\nsecret_access_key = var.secret", e.token, validKeyID))
		}, expect: []string{"secret_access_key", "1 to 100 characters", "this one has 101"}, secret: "LeakMe" + long(95)},
		{name: "credential/shared-true-to-false", before: func(e *badEnv) string {
			return e.credential(fmt.Sprintf("name = %q\naccess_key_id = %q\nsecret_access_key_wo = \"s3cr3tValue\"\nshared = true", e.token, validKeyID))
		}, config: func(e *badEnv) string {
			return e.credential(fmt.Sprintf("name = %q\naccess_key_id = %q\nsecret_access_key_wo = \"s3cr3tValue\"\nshared = false", e.token, validKeyID))
		}, expect: []string{"shared", "cannot unshare", "shared = true"}},
		{name: "credential/no-ica-credentials", config: func(e *badEnv) string {
			return e.noICA() + fmt.Sprintf("resource \"ica_secret_credential\" \"c\" {\n  name = %q\n  access_key_id = %q\n  secret_access_key_wo = \"s3cr3tValue\"\n}\n", e.token, validKeyID)
		}, expect: []string{"api_key", "ICA_API_KEY"}},

		// ica_storage_configuration
		{name: "storage/name-uppercase", config: func(e *badEnv) string {
			return e.storage(map[string]string{"name": `"Bad-Name"`})
		}, expect: []string{"name", "Bad-Name", "lowercase letters, digits"}},
		{name: "storage/name-too-short", config: func(e *badEnv) string {
			return e.storage(map[string]string{"name": `"ab"`})
		}, expect: []string{"name", "3 to 15"}},
		{name: "storage/name-too-long", config: func(e *badEnv) string {
			return e.storage(map[string]string{"name": fmt.Sprintf("%q", e.token+"-abcdefgh")})
		}, expect: []string{"name", "3 to 15"}},
		{name: "storage/name-underscore", config: func(e *badEnv) string {
			return e.storage(map[string]string{"name": `"bad_name"`})
		}, expect: []string{"name", "bad_name", `"." and "-"`}},
		{name: "storage/credential_id", config: func(e *badEnv) string {
			return e.storage(map[string]string{"credential_id": `"my-credential"`})
		}, expect: []string{"credential_id", "not a UUID"}},
		{name: "storage/region_id", config: func(e *badEnv) string {
			return e.storage(map[string]string{"region_id": `"United States"`})
		}, expect: []string{"region_id", "not a UUID", "ica_region"}},
		{name: "storage/bucket", config: func(e *badEnv) string {
			return e.storage(map[string]string{"bucket": `"x"`})
		}, expect: []string{"bucket", "3 to 63"}},
		{name: "storage/prefix-double-slash", config: func(e *badEnv) string {
			return e.storage(map[string]string{"prefix": `"a//b"`})
		}, expect: []string{"prefix", "empty folder name", "remove the extra slash"}},
		{name: "storage/prefix-dot", config: func(e *badEnv) string {
			return e.storage(map[string]string{"prefix": `"./"`})
		}, expect: []string{"prefix", `the folder "."`, "name the folder explicitly"}},
		{name: "storage/sse_algorithm", config: func(e *badEnv) string {
			return e.storage(map[string]string{"sse_algorithm": `"DES"`})
		}, expect: []string{"sse_algorithm", "AES256", "aws:kms"}},
		{name: "storage/kms-without-aws-kms", config: func(e *badEnv) string {
			return e.storage(map[string]string{"sse_algorithm": `"AES256"`,
				"sse_kms_key_arn": `"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"`})
		}, expect: []string{"sse_kms_key_arn", "aws:kms"}},
		{name: "storage/kms-malformed", config: func(e *badEnv) string {
			return e.storage(map[string]string{"sse_algorithm": `"aws:kms"`, "sse_kms_key_arn": `"1234abcd-12ab"`})
		}, expect: []string{"sse_kms_key_arn", "not a KMS key ARN", "arn:aws:kms:"}},
		{name: "storage/description-too-long", config: func(e *badEnv) string {
			return e.storage(map[string]string{"description": fmt.Sprintf("%q", long(1001))})
		}, expect: []string{"description", "1000"}},
		{name: "storage/timeouts", config: func(e *badEnv) string {
			return e.storage(map[string]string{"timeouts": `create = "soon"`})
		}, expect: []string{"create", "soon", "duration"}},
		// ica_project (every folder and name rule fails at plan; nothing is created)
		{name: "project/name-digit-first", config: func(e *badEnv) string {
			return e.project(`name = "1 project"`)
		}, expect: []string{"name", "1 project", "start with a letter"}},
		{name: "project/name-tab", config: func(e *badEnv) string {
			return e.project(`name = "a\tb"`)
		}, expect: []string{"name", "start with a letter, then use letters, digits, spaces"}},
		{name: "project/subfolder-root", config: func(e *badEnv) string {
			return e.project(`name = "p"`, `storage_configuration_id = "3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c"`, `storage_configuration_subfolder = "/"`)
		}, expect: []string{"storage_configuration_subfolder", "must name a folder", "blocks the configuration"}},
		{name: "project/subfolder-missing", config: func(e *badEnv) string {
			return e.project(`name = "p"`, `storage_configuration_id = "3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c"`)
		}, expect: []string{"storage_configuration_subfolder", "Subfolder required", "project-a"}},
		{name: "project/subfolder-dot", config: func(e *badEnv) string {
			return e.project(`name = "p"`, `storage_configuration_id = "3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c"`, `storage_configuration_subfolder = "./runs"`)
		}, expect: []string{"storage_configuration_subfolder", `the folder "."`}},
		{name: "project/subfolder-dotdot", config: func(e *badEnv) string {
			return e.project(`name = "p"`, `storage_configuration_id = "3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c"`, `storage_configuration_subfolder = "a/../b"`)
		}, expect: []string{"storage_configuration_subfolder", `the folder ".."`}},
		{name: "project/subfolder-leading-slash", config: func(e *badEnv) string {
			return e.project(`name = "p"`, `storage_configuration_id = "3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c"`, `storage_configuration_subfolder = "/runs"`)
		}, expect: []string{"storage_configuration_subfolder", `starts with "/"`}},
		{name: "project/subfolder-without-configuration", config: func(e *badEnv) string {
			return e.project(`name = "p"`, `storage_configuration_subfolder = "runs"`)
		}, expect: []string{"storage_configuration_subfolder", "set storage_configuration_id too"}},
		{name: "project/billing_mode", config: func(e *badEnv) string {
			return e.project(`name = "p"`, `billing_mode = "FREE"`)
		}, expect: []string{"billing_mode", "PROJECT", "TENANT"}},
		{name: "project/region_id", config: func(e *badEnv) string {
			return e.project(`name = "p"`, `region_id = "Germany"`)
		}, expect: []string{"region_id", "not a UUID"}},
		{name: "storage/no-ica-credentials", config: func(e *badEnv) string {
			return e.noICA() + fmt.Sprintf("resource \"ica_storage_configuration\" \"c\" {\n  name = %q\n  credential_id = \"3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c\"\n  region_id = \"9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\"\n  bucket = %q\n}\n", e.token, e.bucket)
		}, expect: []string{"api_key", "ICA_API_KEY"}},

		// ica_s3_connection
		{name: "connection/bucket-uppercase", config: func(e *badEnv) string {
			return e.provider() + "resource \"ica_s3_connection\" \"c\" {\n  bucket = \"My_Bucket\"\n}\n"
		}, expect: []string{"bucket", "My_Bucket", "lowercase letters, digits"}},
		{name: "connection/bucket-short", config: func(e *badEnv) string {
			return e.provider() + "resource \"ica_s3_connection\" \"c\" {\n  bucket = \"ab\"\n}\n"
		}, expect: []string{"bucket", "3 to 63"}},
		{name: "connection/bucket-ip", config: func(e *badEnv) string {
			return e.provider() + "resource \"ica_s3_connection\" \"c\" {\n  bucket = \"192.168.10.12\"\n}\n"
		}, expect: []string{"bucket", "IP address"}},
		{name: "connection/bucket-double-dot", config: func(e *badEnv) string {
			return e.provider() + "resource \"ica_s3_connection\" \"c\" {\n  bucket = \"my..bucket\"\n}\n"
		}, expect: []string{"bucket", "two adjacent dots"}},
		{name: "connection/prefix-leading-slash", config: func(e *badEnv) string {
			return e.connection(`prefix = "/x"`)
		}, expect: []string{"prefix", `starts with "/"`, `write "x"`}},
		{name: "connection/prefix-dot-slash", config: func(e *badEnv) string {
			return e.connection(`prefix = "./"`)
		}, expect: []string{"prefix", `the folder "."`, "name the folder explicitly"}},
		{name: "connection/prefix-double-slash", config: func(e *badEnv) string {
			return e.connection(`prefix = "a//b"`)
		}, expect: []string{"prefix", "empty folder name", "remove the extra slash"}},
		{name: "connection/prefix-dotdot", config: func(e *badEnv) string {
			return e.connection(`prefix = "data/../other"`)
		}, expect: []string{"prefix", `the folder ".."`}},
		{name: "connection/prefix-wildcard", config: func(e *badEnv) string {
			return e.connection(`prefix = "data*"`)
		}, expect: []string{"prefix", "wildcard", "remove it"}},
		{name: "connection/prefix-whitespace", config: func(e *badEnv) string {
			return e.connection(`prefix = "data "`)
		}, expect: []string{"prefix", "whitespace", "remove it"}},
		{name: "connection/iam_user_name-too-long", config: func(e *badEnv) string {
			return e.connection(fmt.Sprintf("iam_user_name = %q", e.token+long(65-len(e.token))))
		}, expect: []string{"iam_user_name", "65 characters", "1 to 64"}},
		{name: "connection/iam_user_name-chars", config: func(e *badEnv) string {
			return e.connection(fmt.Sprintf("iam_user_name = %q", e.token+" admin!"))
		}, expect: []string{"iam_user_name", "+ = , . @ _ - only"}},
		{name: "connection/iam_policy_name-too-long", config: func(e *badEnv) string {
			return e.connection(fmt.Sprintf("iam_policy_name = %q", e.token+long(129-len(e.token))))
		}, expect: []string{"iam_policy_name", "129 characters", "1 to 128"}},
		{name: "connection/iam_policy_name-slash", config: func(e *badEnv) string {
			return e.connection(fmt.Sprintf("iam_policy_name = %q", e.token+"/policy"))
		}, expect: []string{"iam_policy_name", "+ = , . @ _ - only"}},
		{name: "connection/iam_path-no-slashes", config: func(e *badEnv) string {
			return e.connection(`iam_path = "ica"`)
		}, expect: []string{"iam_path", `start and end with "/"`}},
		{name: "connection/iam_path-space", config: func(e *badEnv) string {
			return e.connection(`iam_path = "/my team/"`)
		}, expect: []string{"iam_path", "without spaces"}},
		{name: "connection/credential_name-dot", config: func(e *badEnv) string {
			return e.connection(fmt.Sprintf("credential_name = %q", e.token+".cred"))
		}, expect: []string{"credential_name", `"_" and "-" only`}},
		{name: "connection/credential_name-too-long", config: func(e *badEnv) string {
			return e.connection(fmt.Sprintf("credential_name = %q", e.token+long(151-len(e.token))))
		}, expect: []string{"credential_name", "1 to 150"}},
		{name: "connection/ica_region-unknown", config: func(e *badEnv) string {
			return e.connection(`ica_region = "Atlantis"`)
		}, expect: []string{"ica_region", "Atlantis", "United States"}},
		{name: "connection/bucket-wrong-region", bucketRegion: "eu-west-1", config: func(e *badEnv) string {
			return e.connection(`ica_region = "United States"`)
		}, expect: []string{"ica_region", "eu-west-1", "us-east-1"}},
		{name: "connection/kms-other-region", config: func(e *badEnv) string {
			return e.connection(`kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"`)
		}, expect: []string{"kms_key_arn", "eu-west-1", "us-east-1"}},
		{name: "connection/kms-malformed", config: func(e *badEnv) string {
			return e.connection(`kms_key_arn = "arn:aws:s3:::not-a-key"`)
		}, expect: []string{"kms_key_arn", "arn:aws:kms:"}},
		{name: "connection/timeouts", config: func(e *badEnv) string {
			return e.connection("timeouts {\n    create = \"later\"\n  }")
		}, expect: []string{"create", "later", "duration"}},
		{name: "connection/no-ica-credentials", config: func(e *badEnv) string {
			return e.noICA() + fmt.Sprintf("resource \"ica_s3_connection\" \"c\" {\n  bucket = %q\n  prefix = \"ica\"\n}\n", e.bucket)
		}, expect: []string{"api_key", "ICA_API_KEY"}},
		{name: "connection/no-ica-credentials-apply", atApply: true, config: func(e *badEnv) string {
			return e.noICA() + fmt.Sprintf("resource \"ica_s3_connection\" \"c\" {\n  bucket = %q\n  prefix = \"ica\"\n}\n", e.bucket)
		}, expect: []string{"api_key", "ICA_API_KEY"}},
		{name: "connection/cors-origins-empty", config: func(e *badEnv) string {
			return e.connection("cors_allowed_origins = []")
		}, expect: []string{"cors_allowed_origins", "at least 1"}},
		{name: "connection/cors-origins-duplicate", config: func(e *badEnv) string {
			return e.connection(`cors_allowed_origins = ["https://ica.illumina.com", "https://ica.illumina.com"]`)
		}, expect: []string{"cors_allowed_origins", "duplicate values"}},
		{name: "connection/tag-reserved-prefix", config: func(e *badEnv) string {
			return e.connection(`tags = { "ica-tf:managed-by" = "me" }`)
		}, expect: []string{"tags", "reserved", "rename the tag"}},
		// IAM refuses these at CreateUser / CreatePolicy; by then the CORS rule may already be written.
		{name: "connection/tag-key-too-long", config: func(e *badEnv) string {
			return e.connection(fmt.Sprintf("tags = { %q = \"x\" }", long(129)))
		}, expect: []string{"tags", "128"}},
		{name: "connection/tag-value-too-long", config: func(e *badEnv) string {
			return e.connection(fmt.Sprintf("tags = { team = %q }", long(257)))
		}, expect: []string{"tags", "256"}},
		{name: "connection/tag-value-too-long-apply", atApply: true, config: func(e *badEnv) string {
			return e.connection(fmt.Sprintf("tags = { team = %q }", long(257)))
		}, expect: []string{"256"}},
		{name: "connection/too-many-tags", config: func(e *badEnv) string {
			tags := make([]string, 49) // IAM allows 50 per user or policy, and the provider adds 2 of its own
			for i := range tags {
				tags[i] = fmt.Sprintf("t%d = \"v\"", i)
			}
			return e.connection("tags = { " + strings.Join(tags, ", ") + " }")
		}, expect: []string{"tags", "48"}},
		{name: "connection/tag-aws-prefix", config: func(e *badEnv) string {
			return e.connection(`tags = { "aws:team" = "x" }`)
		}, expect: []string{"tags", "aws:"}},
		{name: "connection/share_credential-true-to-false", before: func(e *badEnv) string {
			return e.connection("prefix = \"ica\"\n  share_credential = true")
		}, config: func(e *badEnv) string {
			return e.connection("prefix = \"ica\"\n  share_credential = false")
		}, expect: []string{"share_credential", "cannot go from true to false", "no API to unshare"}},
		{name: "connection/bucket-missing", bucketRegion: "none", atApply: true, config: func(e *badEnv) string {
			return e.connection(`prefix = "ica"`)
		}, expect: []string{"bucket", "does not exist"}},
	}
}

// inputsTried counts the bad configurations rejected as required, for RELIABILITY.md's numbers.
var inputsTried atomic.Int64

// TestBadInput runs every invalid configuration against a fresh emulator and the shared moto: each must fail
// (at plan, or for a bucket that may be created in the same apply, at apply before any change) with a message
// naming the attribute and the fix, must not echo a secret, and must leave nothing behind in ICA or AWS.
func TestBadInput(t *testing.T) {
	requireAcc(t)
	cases := badInputs()
	if len(cases) < 40 {
		t.Fatalf("the bad-input table has %d cases; the reliability bar is at least 40", len(cases))
	}
	// Runs after the parallel subtests: the number RELIABILITY.md quotes.
	t.Cleanup(func() { t.Logf("bad inputs rejected as required: %d of %d", inputsTried.Load(), len(cases)) })
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runBadInput(t, tc)
			if !t.Failed() {
				inputsTried.Add(1)
			}
		})
	}
}

func runBadInput(t *testing.T, tc badInput) {
	m := acctest.SharedMoto(t)
	e := &badEnv{
		emu:   acctest.NewEmulator(t, icaemulator.Options{}),
		moto:  m,
		token: acctest.RandomName("bi-"),
	}
	e.bucket = e.token
	switch tc.bucketRegion {
	case "none":
		e.bucket = e.token + "-missing"
	default:
		createBucket(t, m, e.bucket, tc.bucketRegion)
	}

	want := phrases(tc.expect...)
	var sawError bool
	var writesBefore int
	checkError := func(err error) error {
		sawError = true
		text := err.Error()
		if gaps := missing(text, want); len(gaps) > 0 {
			return fmt.Errorf("the error lacks %q (it must name the attribute and the fix); full error:\n%s", gaps, text)
		}
		if tc.secret != "" && strings.Contains(text, tc.secret) {
			return fmt.Errorf("the error echoes the secret value:\n%s", text)
		}
		// A failed apply records what it made in state, and the destroy at the end of the test would hide
		// it: look now.
		if tc.atApply {
			if objs := scenarioObjects(t, m, e.token, e.bucket); !objs.empty() {
				return fmt.Errorf("the failed apply had created AWS objects: %s; error:\n%s", objs, text)
			}
			if w := writes(e.emu.Requests(t)); len(w) > writesBefore {
				return fmt.Errorf("the failed apply wrote to ICA: %+v", w[writesBefore:])
			}
		}
		return nil
	}

	var steps []resource.TestStep
	if tc.before != nil {
		steps = append(steps, resource.TestStep{
			Config: tc.before(e),
			Check: func(*terraform.State) error {
				writesBefore = len(writes(e.emu.Requests(t)))
				return nil
			},
		})
	}
	steps = append(steps, resource.TestStep{Config: tc.config(e), PlanOnly: !tc.atApply})

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps:                    steps,
		// ErrorCheck rather than ExpectError: it sees the whole text, so it can also prove a secret is absent.
		// A plan that unexpectedly succeeds ends in a "non-empty plan" error that lacks the phrases.
		ErrorCheck: checkError,
	})
	if !sawError {
		t.Errorf("the configuration was accepted; it must fail with %q", tc.expect)
	}

	if got := writes(e.emu.Requests(t)); len(got) != writesBefore {
		t.Errorf("the rejected configuration wrote to ICA: %+v", got[writesBefore:])
	}
	if objs := scenarioObjects(t, m, e.token, e.bucket); !objs.empty() {
		t.Errorf("the rejected configuration created AWS objects: %s", objs)
	}
}
