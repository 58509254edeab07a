package acctest

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
)

// ProviderMaxRetries is the max_retries ProviderConfig sets: enough for tests that inject a couple of
// transient faults, small enough that a test of a permanent failure stays quick.
const ProviderMaxRetries = 3

// ProviderConfig returns a provider "ica" block pointing at the emulator and moto. A nil emulator leaves the
// ICA settings out (the provider then has no ICA credentials); a nil moto leaves the aws block out.
func ProviderConfig(e *Emulator, m *Moto) string {
	var b strings.Builder
	b.WriteString("provider \"ica\" {\n")
	if e != nil {
		fmt.Fprintf(&b, "  base_url    = %s\n", hclString(e.URL))
		fmt.Fprintf(&b, "  api_key     = %s\n", hclString(e.APIKey))
		fmt.Fprintf(&b, "  max_retries = %d\n", ProviderMaxRetries)
	}
	if m != nil {
		b.WriteString("\n  aws {\n")
		fmt.Fprintf(&b, "    region            = %s\n", hclString(m.Region))
		fmt.Fprintf(&b, "    access_key        = %s\n", hclString(m.AccessKeyID))
		fmt.Fprintf(&b, "    secret_key        = %s\n", hclString(m.SecretAccessKey))
		b.WriteString("    s3_use_path_style = true\n\n")
		b.WriteString("    endpoints {\n")
		fmt.Fprintf(&b, "      s3  = %s\n", hclString(m.Endpoint))
		fmt.Fprintf(&b, "      iam = %s\n", hclString(m.Endpoint))
		fmt.Fprintf(&b, "      sts = %s\n", hclString(m.Endpoint))
		fmt.Fprintf(&b, "      kms = %s\n", hclString(m.Endpoint))
		b.WriteString("    }\n  }\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// hclString quotes s as an HCL string literal. Go's escapes are valid HCL; template sequences are not literal
// in HCL, so "${" and "%{" are doubled.
func hclString(s string) string {
	q := strconv.Quote(s)
	q = strings.ReplaceAll(q, "${", "$${")
	return strings.ReplaceAll(q, "%{", "%%{")
}

const (
	randomSuffixLen = 8
	maxRandomName   = 40
	nameAlphabet    = "abcdefghijklmnopqrstuvwxyz0123456789"
)

var usedNames = struct {
	sync.Mutex
	m map[string]bool
}{m: map[string]bool{}}

// RandomName returns prefix followed by 8 random characters of [a-z0-9], unique within the test binary.
// The prefix is lowercased and every character outside [a-z0-9-] becomes "-", so the result is a valid
// S3 bucket, IAM user or policy, and ICA credential name; keep prefixes to 7 characters where it names an ICA
// storage configuration (3..15 characters). Long prefixes are cut so the name stays within 40 characters.
func RandomName(prefix string) string {
	p := sanitizePrefix(prefix)
	if len(p) > maxRandomName-randomSuffixLen {
		p = p[:maxRandomName-randomSuffixLen]
	}
	usedNames.Lock()
	defer usedNames.Unlock()
	for {
		name := p + randomSuffix()
		if !usedNames.m[name] {
			usedNames.m[name] = true
			return name
		}
	}
}

func sanitizePrefix(prefix string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(prefix) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	p := strings.TrimLeft(b.String(), "-")
	if p == "" {
		// Bucket and ICA names must start with a letter or digit; a fixed letter keeps names recognizable.
		return "t"
	}
	return p
}

func randomSuffix() string {
	buf := make([]byte, randomSuffixLen)
	limit := big.NewInt(int64(len(nameAlphabet)))
	for i := range buf {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			panic(fmt.Sprintf("crypto/rand failed: %v", err))
		}
		buf[i] = nameAlphabet[n.Int64()]
	}
	return string(buf)
}
