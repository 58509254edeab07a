package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/naming"
)

// normalizedOrSelf is the prefix as ICA stores it ("folder/"), or p itself when it is not a valid prefix.
func normalizedOrSelf(p string) string {
	if n, err := naming.NormalizePrefix(p); err == nil {
		return n
	}
	return p
}

// samePrefix reports whether two prefix spellings mean the same folder ("ica" and "ica/"; null and "").
func samePrefix(a, b types.String) bool {
	if a.IsUnknown() || b.IsUnknown() {
		return false
	}
	return normalizedOrSelf(a.ValueString()) == normalizedOrSelf(b.ValueString())
}

// keepEquivalent plans the prior value when the configured one is spelled differently but means the same
// (same reports that), so the plan shows no change and the state keeps its spelling. Terraform accepts a
// planned prior value in place of the configuration's only when neither is null, so null and "" are left
// alone. It reports whether it replaced the planned value.
func keepEquivalent(planned *types.String, prior types.String, same func(a, b types.String) bool) bool {
	if planned.IsNull() || prior.IsNull() || planned.Equal(prior) || !same(*planned, prior) {
		return false
	}
	*planned = prior
	return true
}
