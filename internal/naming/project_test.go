package naming

import (
	"strings"
	"testing"
)

func TestValidateProjectName(t *testing.T) {
	for _, ok := range []string{"A", "Project one", "p_1-x", "a" + strings.Repeat("b", 254)} {
		if err := ValidateProjectName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "1abc", " lead", "tab\there", "new\nline", "dot.name", "é", "a" + strings.Repeat("b", 255)} {
		if err := ValidateProjectName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestNormalizeSubfolder(t *testing.T) {
	for in, want := range map[string]string{"runs": "runs", "runs/": "runs", "team/a": "team/a", "team/a/": "team/a"} {
		if got, err := NormalizeSubfolder(in); err != nil || got != want {
			t.Errorf("NormalizeSubfolder(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, why := range map[string]string{"": "root", "/": "root", "./a": "\".\"", "/a": "starts with", "a/../b": "\"..\"", "a//b": "empty folder", "a/*": "wildcard"} {
		_, err := NormalizeSubfolder(in)
		if err == nil || !strings.Contains(err.Error(), why) || !strings.HasPrefix(err.Error(), "storage_configuration_subfolder") {
			t.Errorf("NormalizeSubfolder(%q) = %v; want an error about %s", in, err, why)
		}
	}
}
