package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/ica-tf/terraform-provider-ica/internal/naming"
)

// stringFuncValidator turns a plain rule (func(string) error, whose error is a sentence saying what is
// wrong and how to fix it) into a framework validator. Null and unknown values are left to other checks:
// an unknown value is validated again once known.
func stringFuncValidator(description string, check func(string) error) validator.String {
	return funcValidator{description: description, check: check}
}

type funcValidator struct {
	description string
	check       func(string) error
}

func (v funcValidator) Description(context.Context) string         { return v.description }
func (v funcValidator) MarkdownDescription(context.Context) string { return v.description }

func (v funcValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(),
			"The value of "+req.Path.String()+" is not valid: "+err.Error())
	}
}

func credentialNameValidator() validator.String {
	return stringFuncValidator("1 to 150 characters of a-z, A-Z, 0-9, _ and -", naming.ValidateCredentialName)
}

func storageConfigurationNameValidator() validator.String {
	return stringFuncValidator("3 to 15 characters of a-z, 0-9, . and -, starting and ending with a letter or digit",
		naming.ValidateStorageConfigurationName)
}

func accessKeyIDValidator() validator.String {
	return stringFuncValidator("an AWS access key id (e.g. AKIA...)", naming.ValidateAccessKeyID)
}

func bucketNameValidator() validator.String {
	return stringFuncValidator("an S3 bucket name", naming.ValidateBucketName)
}

func prefixValidator() validator.String {
	return stringFuncValidator("a folder in the bucket such as `ica` or `data/ica/`", func(s string) error {
		_, err := naming.NormalizePrefix(s)
		return err
	})
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// uuidValidator checks an ICA id; from says where such an id comes from ("the ica_region data source's id").
func uuidValidator(what, from string) validator.String {
	return stringFuncValidator(what+" (a UUID)", func(s string) error {
		if !uuidPattern.MatchString(s) {
			return fmt.Errorf("%q is not a UUID. Use the %s, e.g. %s", s, what, from)
		}
		return nil
	})
}

// durationValidator accepts a positive Go duration such as "30s" or "2m".
func durationValidator() validator.String {
	return stringFuncValidator("a positive duration such as `30s` or `2m`", func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("%q is not a positive duration. Write a number with a unit, such as 30s, 90s or 2m", s)
		}
		return nil
	})
}

func kmsKeyARNValidator() validator.String {
	return stringFuncValidator("a KMS key ARN", func(s string) error { return naming.ValidateKMSKeyARN(s, "") })
}

// secretValidator applies ICA's rules for secret access keys (1..100 characters, no '=' or ',') without
// ever echoing the value.
func secretValidator() validator.String {
	return stringFuncValidator("1 to 100 characters, no '=' or ','", func(s string) error {
		switch {
		case len(s) == 0 || len(s) > 100:
			return fmt.Errorf("ICA accepts secret access keys of 1 to 100 characters; this one has %d. "+
				"Use the secret access key that belongs to access_key_id", len(s))
		case strings.ContainsAny(s, "=,"):
			return errors.New("ICA does not accept '=' or ',' in a secret access key. " +
				"Use the secret access key that belongs to access_key_id")
		}
		return nil
	})
}
