package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
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

// timeoutsBlock is the timeouts library's block for opts, described for the registry docs like every
// other part of the schema (the library leaves the block itself undescribed). The attributes'
// descriptions carry Markdown, so they are marked as such.
func timeoutsBlock(ctx context.Context, description string, opts timeouts.Opts) schema.Block {
	block := timeouts.Block(ctx, opts).(schema.SingleNestedBlock)
	for name, a := range block.Attributes {
		if s, ok := a.(schema.StringAttribute); ok {
			s.MarkdownDescription, s.Description = s.Description, ""
			block.Attributes[name] = s
		}
	}
	block.Description = description
	return block
}
