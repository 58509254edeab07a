package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// known reports whether v holds a value (neither null nor unknown).
func known(v types.String) bool { return !v.IsNull() && !v.IsUnknown() }

// stringOrNull is s, or null when s is empty (ICA and AWS answer "" for "not set").
func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// deref is *p, or "" for nil (optional fields of ICA's answers).
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// replaceIf forces replacement unless same says the planned value means what the state holds.
func replaceIf(same func(a, b types.String) bool, what string) planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !same(req.StateValue, req.PlanValue)
	}, what, what)
}
