package naming

import (
	"strings"
	"testing"
)

// FuzzNormalizePrefix checks the normaliser's invariants: accepted prefixes are idempotent, end in one
// "/", and never contain the pieces it promises to refuse.
func FuzzNormalizePrefix(f *testing.F) {
	for _, s := range []string{"", "ica", "ica/", "/x", "./", "a//b", "a/../b", "data/run-1", "*", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizePrefix(in)
		if err != nil {
			return
		}
		if in == "" {
			if out != "" {
				t.Fatalf("empty input gave %q", out)
			}
			return
		}
		if !strings.HasSuffix(out, "/") || strings.HasSuffix(out, "//") || strings.HasPrefix(out, "/") {
			t.Fatalf("%q normalised to %q", in, out)
		}
		for _, seg := range strings.Split(strings.TrimSuffix(out, "/"), "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("%q normalised to %q with segment %q", in, out, seg)
			}
		}
		again, err := NormalizePrefix(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, out, again, err)
		}
	})
}

// FuzzDefaultNames checks that derived names always pass the rules they are derived for.
func FuzzDefaultNames(f *testing.F) {
	f.Add("my-bucket", "data/")
	f.Add(strings.Repeat("b", 63), "a.b/c d/")
	f.Add("b", "")
	f.Fuzz(func(t *testing.T, bucket, prefix string) {
		if ValidateBucketName(bucket) != nil {
			return
		}
		if err := ValidateIAMUserName(DefaultIAMUserName(bucket, prefix)); err != nil {
			t.Fatal(err)
		}
		if err := ValidateIAMPolicyName(DefaultIAMPolicyName(bucket, prefix)); err != nil {
			t.Fatal(err)
		}
		if err := ValidateCredentialName(DefaultCredentialName(bucket, prefix)); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzValidators checks that no validator panics and that accepted names obey their length limits.
func FuzzValidators(f *testing.F) {
	for _, s := range []string{"abc", "illumina_ica_admin", "AKIAIOSFODNN7EXAMPLE", "/ica/", "a..b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateBucketName(s) == nil && (len(s) < 3 || len(s) > 63) {
			t.Fatalf("bucket %q accepted", s)
		}
		if ValidateIAMUserName(s) == nil && (len(s) < 1 || len(s) > 64) {
			t.Fatalf("user %q accepted", s)
		}
		if ValidateCredentialName(s) == nil && strings.ContainsAny(s, ".=, ") {
			t.Fatalf("credential %q accepted", s)
		}
		if ValidateStorageConfigurationName(s) == nil && (len(s) < 3 || len(s) > 15) {
			t.Fatalf("storage configuration %q accepted", s)
		}
		_ = ValidateIAMPath(s)
		_ = ValidateAccessKeyID(s)
	})
}
