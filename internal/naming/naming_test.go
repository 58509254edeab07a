package naming

import (
	"strings"
	"testing"
)

func TestNormalizePrefix(t *testing.T) {
	ok := map[string]string{
		"":            "",
		"ica":         "ica/",
		"ica/":        "ica/",
		"a/b":         "a/b/",
		"a/b/":        "a/b/",
		"run.2024-01": "run.2024-01/",
		"a..b":        "a..b/",
		"x/.hidden":   "x/.hidden/",
	}
	for in, want := range ok {
		got, err := NormalizePrefix(in)
		if err != nil || got != want {
			t.Errorf("NormalizePrefix(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"/x":       "starts with \"/\"",
		"/":        "starts with \"/\"",
		"./":       "\".\"",
		"a/./b":    "\".\"",
		"../x":     "\"..\"",
		"a/..":     "\"..\"",
		"a//b":     "empty folder",
		"a//":      "empty folder",
		" a":       "whitespace",
		"a\nb":     "control",
		"data/*":   "wildcard",
		"a?":       "wildcard",
		"${aws:x}": "variable",
	}
	for in, want := range bad {
		_, err := NormalizePrefix(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NormalizePrefix(%q) error = %v, want one mentioning %q", in, err, want)
		}
	}
	if _, err := NormalizePrefix(strings.Repeat("a", MaxPrefixLength+1)); err == nil {
		t.Error("an over-long prefix must be refused")
	}
}

func TestValidateBucketName(t *testing.T) {
	for _, s := range []string{"abc", "my-bucket.data", "a1b2", strings.Repeat("a", 63)} {
		if err := ValidateBucketName(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"ab", strings.Repeat("a", 64), "My-Bucket", "-abc", "abc-", "a..b", "192.168.1.1",
		"xn--abc", "sthree-abc", "abc-s3alias", "abc--ol-s3", "a_b", "a b"} {
		if err := ValidateBucketName(s); err == nil {
			t.Errorf("%q: want an error", s)
		}
	}
}

func TestValidateIAMNames(t *testing.T) {
	if err := ValidateIAMUserName("illumina_ica_admin"); err != nil {
		t.Error(err)
	}
	if err := ValidateIAMUserName(strings.Repeat("a", 65)); err == nil || !strings.Contains(err.Error(), "1 to 64") {
		t.Errorf("want a length error, got %v", err)
	}
	if err := ValidateIAMUserName("bad name"); err == nil {
		t.Error("spaces must be refused")
	}
	if err := ValidateIAMPolicyName(strings.Repeat("p", 128)); err != nil {
		t.Error(err)
	}
	if err := ValidateIAMPolicyName(strings.Repeat("p", 129)); err == nil {
		t.Error("129 characters must be refused")
	}
	if err := ValidateIAMPolicyName("a/b"); err == nil {
		t.Error("slashes must be refused")
	}
	for _, p := range []string{"/", "/ica/", "/a/b/"} {
		if err := ValidateIAMPath(p); err != nil {
			t.Errorf("%q: %v", p, err)
		}
	}
	for _, p := range []string{"", "ica", "/ica", "ica/", "/a b/"} {
		if err := ValidateIAMPath(p); err == nil {
			t.Errorf("%q: want an error", p)
		}
	}
}

func TestValidateICANames(t *testing.T) {
	if err := ValidateCredentialName("my_cred-1"); err != nil {
		t.Error(err)
	}
	for _, s := range []string{"", "a.b", "a b", strings.Repeat("c", 151)} {
		if err := ValidateCredentialName(s); err == nil {
			t.Errorf("%q: want an error", s)
		}
	}
	for _, s := range []string{"abc", "my.store-1", strings.Repeat("a", 15)} {
		if err := ValidateStorageConfigurationName(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"ab", strings.Repeat("a", 16), "Abc", "-abc", "abc-", "a_b"} {
		if err := ValidateStorageConfigurationName(s); err == nil {
			t.Errorf("%q: want an error", s)
		}
	}
}

func TestValidateAccessKeyID(t *testing.T) {
	if err := ValidateAccessKeyID("AKIAIOSFODNN7EXAMPLE"); err != nil {
		t.Error(err)
	}
	for _, s := range []string{"", "AKIA", "AKIA IOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPL=", strings.Repeat("A", 101)} {
		if err := ValidateAccessKeyID(s); err == nil {
			t.Errorf("%q: want an error", s)
		}
	}
}

func TestDefaultNames(t *testing.T) {
	if got := DefaultIAMUserName("my-bucket", ""); got != "ica-my-bucket" {
		t.Errorf("got %q", got)
	}
	if got := DefaultIAMUserName("my-bucket", "data/"); !strings.HasPrefix(got, "ica-my-bucket-data-") || len(got) != len("ica-my-bucket-data-")+8 {
		t.Errorf("got %q", got)
	}
	if got := DefaultCredentialName("my.bucket", "data/"); !strings.HasPrefix(got, "ica-my-bucket-data-") {
		t.Errorf("dots must become dashes with a hash suffix, got %q", got)
	}
	// Distinct prefixes that sanitise alike must still get distinct names.
	a, b := DefaultIAMUserName("b", "x/y/"), DefaultIAMUserName("b", "x-y/")
	if a == b {
		t.Errorf("x/y and x-y both gave %q", a)
	}
	long := strings.Repeat("b", 63)
	for _, n := range []string{DefaultIAMUserName(long, "deep/folder/"), DefaultIAMUserName(long, "")} {
		if err := ValidateIAMUserName(n); err != nil {
			t.Errorf("derived user name invalid: %v", err)
		}
	}
	if DefaultIAMUserName(long, "p1/") == DefaultIAMUserName(long, "p2/") {
		t.Error("truncated names must differ by prefix")
	}
	if err := ValidateIAMPolicyName(DefaultIAMPolicyName(long, strings.Repeat("f", 200))); err != nil {
		t.Error(err)
	}
	if err := ValidateCredentialName(DefaultCredentialName(long, "a.b/c d/")); err != nil {
		t.Error(err)
	}
}

func TestValidateIAMTags(t *testing.T) {
	for _, k := range []string{"team", "cost-center", "a:b/c=d+e@f", "Projekt Ä"} {
		if err := ValidateIAMTagKey(k); err != nil {
			t.Errorf("key %q: %v", k, err)
		}
	}
	for k, want := range map[string]string{"": "1 to 128", strings.Repeat("k", 129): "1 to 128", "a*b": "not valid", "aws:x": "reserves"} {
		if err := ValidateIAMTagKey(k); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("key %q: error %v, want one mentioning %q", k, err, want)
		}
	}
	for _, v := range []string{"", "x", strings.Repeat("v", 256), "a b:c"} {
		if err := ValidateIAMTagValue(v); err != nil {
			t.Errorf("value %q: %v", v, err)
		}
	}
	if err := ValidateIAMTagValue(strings.Repeat("v", 257)); err == nil || !strings.Contains(err.Error(), "256") {
		t.Errorf("257 characters: %v", err)
	}
	if err := ValidateIAMTagValue("a;b"); err == nil {
		t.Error("';' must be refused")
	}
}

func TestValidateKMSKeyARN(t *testing.T) {
	for _, ok := range []string{
		"arn:aws:kms:eu-central-1:123456789012:key/abc",
		"arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/x",
		"arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	} {
		if err := ValidateKMSKeyARN(ok, ""); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"", "key/abc", "alias/x", "my-key", "arn:aws:s3:::x", "arn:aws:kms:us-east-1:1:key/x",
		"arn:aws:kms:us-east-1:123456789012:thing/x", "arn:aws:kms::123456789012:key/x",
		"arn:aws:kms:us-east-1:123456789012:key/", "arn:other:kms:us-east-1:123456789012:key/x",
	} {
		if err := ValidateKMSKeyARN(bad, ""); err == nil || !strings.Contains(err.Error(), "is not a KMS key ARN") {
			t.Errorf("%q: got %v, want a refusal", bad, err)
		}
	}
	err := ValidateKMSKeyARN("arn:aws:kms:eu-west-1:123456789012:key/abc", "us-east-1")
	if err == nil || !strings.Contains(err.Error(), "is in eu-west-1 but the bucket is in us-east-1") {
		t.Fatalf("want the region mismatch named, got %v", err)
	}
	if err := ValidateKMSKeyARN("arn:aws:kms:eu-west-1:123456789012:key/abc", "eu-west-1"); err != nil {
		t.Fatal(err)
	}
}

// TestDefaultNamesNeverCollide: distinct (bucket, folder) pairs derive distinct names, also where the
// text alone would join them, and also to IAM, which ignores case. "same" and "same/" are one folder.
func TestDefaultNamesNeverCollide(t *testing.T) {
	pairs := [][2]string{{"a-b", "c/"}, {"a", "b-c/"}, {"a-b-c", ""}, {"a", "b/c/"}, {"data", "Logs/"}, {"data", "logs/"}, {"a.b", "c/"}}
	for _, derive := range []func(string, string) string{DefaultIAMUserName, DefaultIAMPolicyName, DefaultCredentialName} {
		seen := map[string][2]string{}
		for _, p := range pairs {
			n := strings.ToLower(derive(p[0], p[1]))
			if other, ok := seen[n]; ok {
				t.Errorf("%v and %v both derive %q", other, p, n)
			}
			seen[n] = p
		}
	}
	if DefaultIAMUserName("b", "same/") != DefaultIAMUserName("b", "same") {
		t.Error(`"same" and "same/" are one folder and must derive one name`)
	}
	if !SameIAMName("ica-Data", "ica-data") || SameIAMName("ica-a", "ica-b") {
		t.Error("IAM names compare without case")
	}
}
