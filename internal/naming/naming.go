// Package naming holds the name and prefix rules of S3, IAM and ICA, and the default names the
// provider derives from a bucket and prefix. It is pure: every rule is checked at plan time from here,
// so a bad name fails before anything is created.
package naming

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"regexp"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// MaxPrefixLength keeps the prefix well inside S3's 1024-byte key limit, leaving room for file names.
const MaxPrefixLength = 512

// NormalizePrefix turns a user's folder into the form S3, IAM and ICA use: "" (the whole bucket) or
// "folder/" with one trailing slash. "ica" and "ica/" mean the same folder.
func NormalizePrefix(p string) (string, error) {
	if p == "" {
		return "", nil
	}
	if len(p) > MaxPrefixLength {
		return "", fmt.Errorf("prefix is %d bytes long; use at most %d", len(p), MaxPrefixLength)
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return "", fmt.Errorf("prefix %q contains a control character; use letters, digits and - _ . / only", p)
		}
		// These are wildcards or variables inside an IAM policy resource ARN, so a prefix holding
		// them would grant more (or other) than the folder it names.
		if r == '*' || r == '?' || r == '$' {
			return "", fmt.Errorf("prefix %q contains %q, which IAM policies treat as a wildcard or variable; remove it", p, r)
		}
	}
	if strings.TrimSpace(p) != p {
		return "", fmt.Errorf("prefix %q starts or ends with whitespace; remove it", p)
	}
	if strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("prefix %q starts with \"/\"; S3 keys have no leading slash: write %q", p, strings.TrimLeft(p, "/"))
	}
	trimmed := strings.TrimSuffix(p, "/")
	for _, seg := range strings.Split(trimmed, "/") {
		switch seg {
		case "":
			return "", fmt.Errorf("prefix %q has an empty folder name (\"//\"); remove the extra slash", p)
		case ".", "..":
			return "", fmt.Errorf("prefix %q contains the folder %q, which S3 cannot store as a key; name the folder explicitly", p, seg)
		}
	}
	return trimmed + "/", nil
}

var (
	bucketChars = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)
	iamNameRe   = regexp.MustCompile(`^[\w+=,.@-]+$`)
	iamPathRe   = regexp.MustCompile(`^/([\x21-\x7E]*/)?$`)
	credNameRe  = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
	storageRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)
	accessKeyRe = regexp.MustCompile(`^\w+$`)
)

// ValidateBucketName applies the S3 general purpose bucket naming rules.
func ValidateBucketName(s string) error {
	if len(s) < 3 || len(s) > 63 {
		return fmt.Errorf("bucket name %q is %d characters long; S3 bucket names are 3 to 63 characters", s, len(s))
	}
	if !bucketChars.MatchString(s) {
		return fmt.Errorf("bucket name %q is not valid: use lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit", s)
	}
	if strings.Contains(s, "..") {
		return fmt.Errorf("bucket name %q has two adjacent dots, which S3 does not allow", s)
	}
	if net.ParseIP(s) != nil {
		return fmt.Errorf("bucket name %q is formatted as an IP address, which S3 does not allow", s)
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(s, p) {
			return fmt.Errorf("bucket name %q starts with the reserved prefix %q", s, p)
		}
	}
	for _, suf := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(s, suf) {
			return fmt.Errorf("bucket name %q ends with the reserved suffix %q", s, suf)
		}
	}
	return nil
}

func validateIAMName(kind string, s string, maxLen int) error {
	if s == "" || len(s) > maxLen {
		return fmt.Errorf("IAM %s name %q is %d characters long; IAM allows 1 to %d", kind, s, len(s), maxLen)
	}
	if !iamNameRe.MatchString(s) {
		return fmt.Errorf("IAM %s name %q is not valid: use letters, digits and + = , . @ _ - only", kind, s)
	}
	return nil
}

// ValidateIAMUserName applies IAM's user name rules (1..64 of [\w+=,.@-]).
func ValidateIAMUserName(s string) error { return validateIAMName("user", s, 64) }

// ValidateIAMPolicyName applies IAM's managed policy name rules (1..128 of [\w+=,.@-]).
func ValidateIAMPolicyName(s string) error { return validateIAMName("policy", s, 128) }

// ValidateIAMPath applies IAM's path rules: "/" or "/segments/" of printable ASCII, at most 512.
func ValidateIAMPath(s string) error {
	if len(s) > 512 {
		return fmt.Errorf("IAM path is %d characters long; IAM allows at most 512", len(s))
	}
	if !iamPathRe.MatchString(s) {
		return fmt.Errorf("IAM path %q is not valid: it must be \"/\" or start and end with \"/\" (for example \"/ica/\"), printable ASCII without spaces", s)
	}
	return nil
}

// ValidateCredentialName applies ICA's storage credential name rules.
func ValidateCredentialName(s string) error {
	if s == "" || len(s) > 150 {
		return fmt.Errorf("ICA credential name %q is %d characters long; ICA allows 1 to 150", s, len(s))
	}
	if !credNameRe.MatchString(s) {
		return fmt.Errorf("ICA credential name %q is not valid: use letters, digits, \"_\" and \"-\" only", s)
	}
	return nil
}

// ValidateStorageConfigurationName applies ICA's storage configuration name rules.
func ValidateStorageConfigurationName(s string) error {
	if len(s) < 3 || len(s) > 15 {
		return fmt.Errorf("ICA storage configuration name %q is %d characters long; ICA allows 3 to 15", s, len(s))
	}
	if !storageRe.MatchString(s) {
		return fmt.Errorf("ICA storage configuration name %q is not valid: use lowercase letters, digits, \".\" and \"-\", starting and ending with a letter or digit", s)
	}
	return nil
}

// ValidateAccessKeyID checks the shape of an AWS access key ID (16 to 100 word characters; 100 is
// ICA's limit). It never sees the secret.
func ValidateAccessKeyID(s string) error {
	if len(s) < 16 || len(s) > 100 || !accessKeyRe.MatchString(s) {
		return fmt.Errorf("%q is not an AWS access key ID: expected 16 to 100 letters and digits, like AKIAIOSFODNN7EXAMPLE", s)
	}
	return nil
}

// accountIDRe is an AWS account ID: twelve digits.
var accountIDRe = regexp.MustCompile(`^[0-9]{12}$`)

// ValidateKMSKeyARN checks that s is the ARN of a KMS key or alias (arn:PARTITION:kms:REGION:ACCOUNT:key/ID
// or alias/NAME); with region set, also that the key is in region (SSE-KMS needs a key in the bucket's
// region).
func ValidateKMSKeyARN(s, region string) error {
	a, err := arn.Parse(s)
	name, typed := strings.CutPrefix(a.Resource, "key/")
	if !typed {
		name, typed = strings.CutPrefix(a.Resource, "alias/")
	}
	if err != nil || !strings.HasPrefix(a.Partition, "aws") || a.Service != "kms" || a.Region == "" ||
		!accountIDRe.MatchString(a.AccountID) || !typed || name == "" {
		return fmt.Errorf("%q is not a KMS key ARN: use the full ARN of the key or alias, e.g. "+
			"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", s)
	}
	if region != "" && a.Region != region {
		return fmt.Errorf("KMS key %q is in %s but the bucket is in %s: SSE-KMS needs a key in the bucket's region; use a key in %s",
			s, a.Region, region, region)
	}
	return nil
}

// DefaultCORSRuleID is the ID of the CORS rule a connection creates: derived from the IAM user name,
// which is unique per connection, so a re-run after an interrupted create finds its own rule.
func DefaultCORSRuleID(iamUserName string) string { return "ica-tf-" + iamUserName }

// DefaultIAMUserName derives the IAM user name for a bucket and prefix: "ica-BUCKET" for the whole
// bucket, "ica-BUCKET-FOLDER-HASH" for a folder. HASH (of the bucket and the normalised folder) keeps
// distinct pairs apart even where the text alone would not ("a-b" + "c" and "a" + "b-c"; "Data/" and
// "data/", one name to IAM, which ignores case). A name that is too long, or whose characters had to be
// replaced, also ends with the hash.
func DefaultIAMUserName(bucket, prefix string) string {
	return derive(bucket, prefix, 64, isIAMChar)
}

// DefaultIAMPolicyName derives the IAM policy name the same way as the user name.
func DefaultIAMPolicyName(bucket, prefix string) string {
	return derive(bucket, prefix, 128, isIAMChar)
}

// DefaultCredentialName derives the ICA credential name; ICA names allow no dots, so they become "-".
func DefaultCredentialName(bucket, prefix string) string {
	return derive(bucket, prefix, 150, isCredChar)
}

// SameIAMName reports whether IAM treats two user or policy names as one: IAM names are unique
// regardless of case.
func SameIAMName(a, b string) bool { return strings.EqualFold(a, b) }

func isIAMChar(r rune) bool {
	return r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_+=,.@-", r))
}

func isCredChar(r rune) bool {
	return r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-')
}

func derive(bucket, prefix string, maxLen int, ok func(rune) bool) string {
	folder := strings.Trim(prefix, "/")
	raw := "ica-" + bucket
	if folder != "" {
		raw += "-" + folder
	}
	replaced := folder != "" // a folder always gets the hash: see DefaultIAMUserName
	name := strings.Map(func(r rune) rune {
		if ok(r) {
			return r
		}
		replaced = true
		return '-'
	}, raw)
	if !replaced && len(name) <= maxLen {
		return name
	}
	sum := sha256.Sum256([]byte(bucket + "\x00" + folder))
	suffix := "-" + hex.EncodeToString(sum[:4])
	if len(name) > maxLen-len(suffix) {
		name = name[:maxLen-len(suffix)]
	}
	return strings.TrimRight(name, "-.") + suffix
}

// iamTagRe is IAM's tag character set: letters, digits, white space and _ . : / = + - @ (Unicode allowed).
var iamTagRe = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// ValidateIAMTagKey applies IAM's tag key rules (1..128 characters, IAM's character set, no "aws:").
func ValidateIAMTagKey(s string) error {
	if n := len([]rune(s)); n < 1 || n > 128 {
		return fmt.Errorf("tag key %q is %d characters long; IAM allows 1 to 128", s, n)
	}
	if !iamTagRe.MatchString(s) {
		return fmt.Errorf("tag key %q is not valid: IAM allows letters, digits, spaces and _ . : / = + - @ only", s)
	}
	if strings.HasPrefix(strings.ToLower(s), "aws:") {
		return fmt.Errorf("tag key %q starts with \"aws:\", which AWS reserves for its own tags; rename the tag", s)
	}
	return nil
}

// ValidateIAMTagValue applies IAM's tag value rules (0..256 characters, IAM's character set).
func ValidateIAMTagValue(s string) error {
	if n := len([]rune(s)); n > 256 {
		return fmt.Errorf("tag value is %d characters long; IAM allows at most 256: shorten it", n)
	}
	if !iamTagRe.MatchString(s) {
		return fmt.Errorf("tag value %q is not valid: IAM allows letters, digits, spaces and _ . : / = + - @ only", s)
	}
	return nil
}
