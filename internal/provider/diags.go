package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaobjects"
)

// addICAError is the one path from an ICA client error to a diagnostic:
// `Could not create ICA storage credential "x": <what ICA said>. <what to do>`.
// action is a verb phrase ("create", "read", "update the secrets of"), object the ICA object kind and
// name identifies it (a name or a UUID; may be empty).
func addICAError(diags *diag.Diagnostics, action, object, name string, err error) {
	summary := fmt.Sprintf("Could not %s ICA %s", action, object)
	subject := summary
	if name != "" {
		subject = fmt.Sprintf("%s %q", summary, name)
	}
	diags.AddError(summary, fmt.Sprintf("%s: %s. %s", subject, describeICAError(err), icaErrorAdvice(err)))
}

// describeICAError says what went wrong, in ICA's words when ICA answered.
func describeICAError(err error) string {
	var apiErr *ica.APIError
	if !errors.As(err, &apiErr) {
		return strings.TrimSuffix(err.Error(), ".")
	}
	parts := []string{fmt.Sprintf("ICA answered %d", apiErr.StatusCode)}
	if t := strings.TrimSpace(apiErr.Title); t != "" {
		parts[0] += " " + strings.TrimSuffix(t, ".")
	}
	if d := strings.TrimSpace(apiErr.Detail); d != "" && d != apiErr.Title {
		parts = append(parts, strings.TrimSuffix(d, "."))
	}
	text := strings.Join(parts, ": ")
	if len(apiErr.Parameters) > 0 {
		keys := make([]string, 0, len(apiErr.Parameters))
		for k := range apiErr.Parameters {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fields := make([]string, 0, len(keys))
		for _, k := range keys {
			fields = append(fields, fmt.Sprintf("%s: %s", k, apiErr.Parameters[k]))
		}
		text += " (" + strings.Join(fields, "; ") + ")"
	}
	if apiErr.ID != "" {
		text += " [ICA error id " + apiErr.ID + "]"
	}
	return text
}

// icaErrorAdvice says what the user can do about an error.
func icaErrorAdvice(err error) string {
	if errors.Is(err, ica.ErrNoCredentials) {
		return "Configure ICA credentials: set api_key or access_token in the provider block, or the " +
			EnvAPIKey + " or " + EnvAccessToken + " environment variable."
	}
	if errors.Is(err, ica.ErrNoAnswer) {
		// The error itself says what to check.
		return "Run the command again once ICA answers."
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return "The operation ran out of time; raise the resource's timeouts or retry the apply."
	}
	var apiErr *ica.APIError
	if !errors.As(err, &apiErr) {
		return "Check base_url and the network path to ICA, then retry."
	}
	if apiErr.Hint != "" {
		return apiErr.Hint
	}
	switch code := apiErr.StatusCode; {
	case code == http.StatusUnauthorized:
		return "Check that the API key or access token is valid and not expired (and tenant, if you use several)."
	case code == http.StatusForbidden:
		return "The ICA user behind these credentials lacks the permission; ask a tenant administrator."
	case code == http.StatusNotFound:
		return "The object no longer exists in ICA; refresh and apply again to recreate it."
	case code == http.StatusConflict:
		return "An object with this name already exists in ICA; choose another name or import the existing one."
	case code == http.StatusTooManyRequests || code >= 500:
		return "ICA is busy or unavailable; retry later or raise the provider's max_retries."
	case code >= 400:
		return "Fix the value ICA rejected and apply again."
	}
	return "Retry the apply; if it keeps failing, report the ICA error id to Illumina support."
}

// requireICACredentials fails a plan early when a resource that writes to ICA has no ICA credentials,
// instead of letting the apply fail after other resources were changed.
func requireICACredentials(data *ProviderData, resourceType, why string, diags *diag.Diagnostics) bool {
	if data == nil || data.ICA.HasCredentials() {
		return true
	}
	diags.AddError("ICA credentials missing",
		fmt.Sprintf("%s %s, so it needs ICA credentials. %s", resourceType, why, icaErrorAdvice(ica.ErrNoCredentials)))
	return false
}

// refuseUnshare fails the plan when attr goes from true to false: ICA can share an object with the
// tenant but has no API to unshare it. kind is the ICA object kind ("storage credential"), name its name.
func refuseUnshare(attr string, state, plan types.Bool, kind, name string, diags *diag.Diagnostics) bool {
	if plan.IsUnknown() || plan.ValueBool() || !state.ValueBool() {
		return false
	}
	diags.AddAttributeError(path.Root(attr), "ICA cannot unshare a "+kind,
		fmt.Sprintf("%s cannot go from true to false: the ICA %s %q is shared with the tenant, and ICA has no API to "+
			"unshare it. Set %s = true again; if you unshared it in the ICA UI, remove the resource from state "+
			"(terraform state rm) and import it again.", attr, kind, name, attr))
	return true
}

// addConnectionError is the one path from a converger error to a diagnostic.
// addConnectionError is the one path from a converger error to a diagnostic. action is "create",
// "create-nothing" (a create that made nothing), "update", "read", "import" or "destroy": what is true
// afterwards, and which timeout applies, differ between them.
func addConnectionError(diags *diag.Diagnostics, action string, err error) {
	verb, after, timeout := action, "", action
	switch action {
	case "create":
		after = "The parts already made are recorded in the state and the connection is marked tainted: " +
			"the next apply removes them and creates it again."
	case "create-nothing":
		verb, timeout, after = "create", "create", "Nothing was made; apply again."
	case "update":
		after = "The parts already changed are recorded in the state and the next apply continues from them."
	case "read":
		after = "Nothing was changed; run the command again."
	case "import":
		timeout, after = "", "Nothing was imported; import again."
	case "destroy":
		timeout, after = "delete", "What is not yet removed stays in the state and the next destroy continues from it."
	}
	summary := "Could not " + verb + " ICA S3 connection"
	advice := "Fix the cause above. " + after
	var apiErr *ica.APIError
	switch {
	case errors.Is(err, context.DeadlineExceeded) && timeout == "":
		// Import has no timeouts block: it runs under the read default.
		advice = fmt.Sprintf("The operation ran out of time (%s); try again. %s", defaultReadTimeout, after)
	case errors.Is(err, context.DeadlineExceeded):
		advice = fmt.Sprintf("The operation ran out of time; raise timeouts { %s } or try again. %s", timeout, after)
	case errors.As(err, &apiErr) || errors.Is(err, ica.ErrNoCredentials):
		advice = icaErrorAdvice(err) + " " + after
	}
	diags.AddError(summary, fmt.Sprintf("%s: %s. %s", summary, trimDot(err.Error()), advice))
}

func trimDot(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '.' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	return s
}

// addObjectError is the one path from an internal/icaobjects error to a diagnostic: a failed ICA call
// goes through addICAError, a name that cannot be adopted is an error on the name attribute.
func addObjectError(diags *diag.Diagnostics, err error) {
	var call *icaobjects.CallError
	var ambiguous *icaobjects.AmbiguousNameError
	var mismatch *icaobjects.MismatchError
	switch {
	case errors.As(err, &call):
		addICAError(diags, call.Action, call.Object, call.Name, call.Err)
	case errors.As(err, &ambiguous):
		diags.AddAttributeError(path.Root("name"), "Several ICA "+ambiguous.Kind+" have this name",
			ambiguous.Error()+", or choose another name.")
	case errors.As(err, &mismatch):
		diags.AddAttributeError(path.Root("name"), "An ICA storage configuration with this name already exists",
			mismatch.Error()+".")
	default:
		diags.AddError("ICA request failed", describeICAError(err)+". "+icaErrorAdvice(err))
	}
}
