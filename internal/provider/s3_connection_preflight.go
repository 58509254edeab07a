package provider

import (
	"context"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/naming"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
	"github.com/ica-tf/terraform-provider-ica/internal/readiness"
)

// preflight adds the bucket-readiness findings (internal/readiness) to the plan: a customer KMS key the
// configuration does not name fails, Object Ownership that breaks ICA's copy and move warns. The reads
// are cached per bucket for the life of the provider process.
func (r *s3ConnectionResource) preflight(ctx context.Context, bucket, region, kmsKeyARN string, diags *diag.Diagnostics) {
	for _, f := range readiness.Check(ctx, r.data.AWS.ReadinessAdapter(), bucket, region, kmsKeyARN) {
		if f.Severity == readiness.Error {
			diags.AddAttributeError(path.Root(f.Attribute), f.Summary, f.Detail)
		} else {
			diags.AddAttributeWarning(path.Root(f.Attribute), f.Summary, f.Detail)
		}
	}
}

func roleARNValidator() validator.String {
	return stringFuncValidator("an IAM role ARN (arn:aws:iam::<12-digit account>:role/NAME)", naming.ValidateRoleARN)
}

// accessWindowEnv names the environment variable that sets the self-test's retry window (a Go duration,
// e.g. "5s"); tests shorten it.
const accessWindowEnv = "ICA_VERIFY_ACCESS_RETRY_WINDOW"

// accessRetryWindow is the window from accessWindowEnv; 0 (the default window) when unset or invalid.
func accessRetryWindow() time.Duration {
	d, err := time.ParseDuration(os.Getenv(accessWindowEnv))
	if err != nil || d <= 0 {
		return 0
	}
	return d
}

// planBucketPolicySid plans bucket_policy_statement_id: null without a role, the recorded Sid while the
// statement exists, else the Sid derived from the IAM user name.
func planBucketPolicySid(creating bool, plan, state *s3ConnectionModel) {
	switch {
	case plan.CrossAccountRoleARN.IsUnknown():
		plan.BucketPolicyStatementID = types.StringUnknown()
	case plan.CrossAccountRoleARN.IsNull():
		plan.BucketPolicyStatementID = types.StringNull()
	case !creating && known(state.BucketPolicyStatementID):
		plan.BucketPolicyStatementID = state.BucketPolicyStatementID
	case known(plan.IAMUserName):
		plan.BucketPolicyStatementID = types.StringValue(policy.CopyMoveSid(plan.IAMUserName.ValueString()))
	default:
		plan.BucketPolicyStatementID = types.StringUnknown()
	}
}
