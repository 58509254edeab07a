package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/ica-tf/terraform-provider-ica/internal/naming"
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
