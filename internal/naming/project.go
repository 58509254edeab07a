package naming

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// projectNameRe is CreateProject's pattern, anchored, with spaces where the document says \s: a tab or
// newline in a project name would be invisible in the ICA UI.
var projectNameRe = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_ -]*$`)

// ValidateProjectName checks ICA's project name rules: 1 to 255 characters, a letter first, then
// letters, digits, spaces, "_" and "-".
func ValidateProjectName(s string) error {
	if n := utf8.RuneCountInString(s); n < 1 || n > 255 {
		return fmt.Errorf("project name %q is %d characters long; ICA allows 1 to 255", s, n)
	}
	if !projectNameRe.MatchString(s) {
		return fmt.Errorf("project name %q does not match ICA's rule %s: start with a letter, then use letters, digits, spaces, _ and - only", s, projectNameRe)
	}
	return nil
}

// NormalizeSubfolder returns a project's storage subfolder as the provider sends it ("runs/2024",
// without a trailing slash), or why it is refused. The rules are the prefix's (NormalizePrefix), plus
// no root: ICA's API says a project without a subfolder blocks the storage configuration for every
// future project.
func NormalizeSubfolder(s string) (string, error) {
	if strings.Trim(s, "/") == "" {
		return "", errors.New("storage_configuration_subfolder must name a folder: a project on the storage configuration's root " +
			"blocks the configuration for every other project (ICA's API documentation); use a folder such as \"project-a\"")
	}
	n, err := NormalizePrefix(s)
	if err != nil {
		return "", errors.New("storage_configuration_subfolder" + strings.TrimPrefix(err.Error(), "prefix"))
	}
	return strings.TrimSuffix(n, "/"), nil
}
