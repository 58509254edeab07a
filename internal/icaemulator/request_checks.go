package icaemulator

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Bean-validation style checks with the constraints of ICA's OpenAPI document. Each failure is one
// entry of the problem's parameters, keyed by the field's JSON path.

var (
	credentialNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]*$`)
	configNamePattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)
)

type fieldErrors map[string]string

func (f fieldErrors) required(field string, v *string) bool {
	if v == nil {
		f[field] = "must not be null"
		return false
	}
	return true
}

func (f fieldErrors) size(field, v string, lo, hi int) bool {
	if n := utf8.RuneCountInString(v); n < lo || n > hi {
		f[field] = fmt.Sprintf("size must be between %d and %d", lo, hi)
		return false
	}
	return true
}

func (f fieldErrors) pattern(field, v string, re *regexp.Regexp) {
	if !re.MatchString(v) {
		f[field] = fmt.Sprintf("must match %q", re.String())
	}
}

func (f fieldErrors) enum(field string, v *string, allowed ...string) {
	if !f.required(field, v) {
		return
	}
	for _, a := range allowed {
		if *v == a {
			return
		}
	}
	f[field] = fmt.Sprintf("must be one of [%s]", strings.Join(allowed, ", "))
}

// uuidField checks a body id ("format: uuid") and returns it canonical.
func (f fieldErrors) uuidField(field string, v *string) (string, bool) {
	if !f.required(field, v) {
		return "", false
	}
	u, err := uuid.Parse(*v)
	if err != nil || len(*v) != 36 {
		f[field] = "must be a valid UUID"
		return "", false
	}
	return u.String(), true
}

// awsCredentials checks AwsCredentials: each part 1..100 characters without '=' or ','.
func (f fieldErrors) awsCredentials(prefix string, c *reqAWSCredentials) {
	for _, part := range []struct {
		name string
		v    *string
	}{{"accessKeyId", c.AccessKeyID}, {"secretAccessKey", c.SecretAccessKey}} {
		field := prefix + "." + part.name
		if !f.required(field, part.v) || !f.size(field, *part.v, 1, 100) {
			continue
		}
		// The document's pattern is "[^=,]*", which ICA applies to the whole value.
		if strings.ContainsAny(*part.v, "=,") {
			f[field] = `must match "[^=,]*"`
		}
	}
}
