// Package connection converges one ICA S3 connection: the CORS rule on the bucket, the IAM policy, the
// IAM user with the policy attached, its access key, and the ICA storage credential holding that key.
//
// Desired state comes from the configuration (Spec, model.go), observed state from small interfaces
// (ports.go: S3, IAM, a key prober, ICA credentials) that internal/awsapi and *ica.Client implement.
// Converger.Read refreshes a State (observe.go, read.go); Converger.Apply runs one apply (apply.go) whose
// steps, one per file (step_cors.go, step_policy.go, step_user.go, step_keys.go, step_credential.go,
// step_claim.go), share a per-apply run and run in independent chains in parallel (the CORS rule
// alongside the IAM chain). ownership.go decides what a connection may adopt, change or delete
// (planned.go refuses at plan the names another planned connection holds); Import and Delete have their
// own files. Progress is recorded in State as each step succeeds, so a failure returns what exists for the caller
// to save and the next apply continues from there.
package connection

import (
	"errors"
	"fmt"
)

// Spec is the desired connection, from configuration. Prefix is normalised ("folder/" or "").
type Spec struct {
	Bucket    string
	Prefix    string
	KMSKeyARN string
	// RequiredRegion is the AWS region of the configured ica_region ("" when not set), named in errors
	// as ICARegionName.
	RequiredRegion string
	ICARegionName  string

	UserName       string
	PolicyName     string
	Path           string
	CredentialName string

	ManageCORS  bool
	CORSOrigins []string
	// CORSRuleID is our rule's ID; "" means an ID-less rule with our content (adopted on import).
	CORSRuleID string

	Share  bool
	Tags   map[string]string
	Rotate bool

	// Token identifies this Terraform object. A finished apply stamps it on the user and the policy as
	// their claim (see ownership.go); "" stamps nothing (callers that predate claims).
	Token string
}

// State is what exists, as recorded after the last operation. Empty strings mean "does not exist (or
// not known to exist)".
type State struct {
	Region string

	CORSRuleID string
	// CORSRule is true when our rule is on the bucket with the desired content.
	CORSRule bool

	UserARN string

	PolicyARN       string
	PolicyAttached  bool
	PolicyJSON      string
	PolicyVersionID string

	AccessKeyID  string
	CredentialID string
	Shared       bool

	// Tags are the user-supplied tags last applied (ownership tags are not included).
	Tags map[string]string

	// Token is the claim this connection has stamped on its user and policy: set only once both carry
	// it, so a state with a token owns them and one without proves nothing (see ownership.go).
	Token string

	// Adopted describes existing objects this apply took over (a credential of the same name, a user or
	// policy left by an unfinished create), for the caller to warn about. Not persisted.
	Adopted []string
	// Notes are other facts the caller should warn about: sharing found, objects left to the connection
	// that claims them. Not persisted.
	Notes []string
}

// StepError names the step of a connection that failed and the object it worked on.
type StepError struct {
	Step   string
	Object string
	Err    error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Step, e.Object, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

func stepErr(step, object string, err error) error {
	if err == nil {
		return nil
	}
	var se *StepError
	if errors.As(err, &se) {
		return err
	}
	return &StepError{Step: step, Object: object, Err: err}
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
