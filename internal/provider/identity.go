package provider

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Resource identity (Terraform >= 1.12). Each resource's identity attributes are attributes of its state with
// the same names, so the identity is always derived from the state the resource wrote. The resources get it
// through a small wrapper per resource (the *_identity.go files) that embeds the resource, so every method the
// resource has (and later gains) is promoted unchanged, and only Create, Read, Update and ImportState add the
// identity step.

// idIdentitySchema is the identity of the ICA objects that are known by their UUID alone.
func idIdentitySchema(description string) identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{RequiredForImport: true, Description: description},
		},
	}
}

// identityFromState sets identity from the state attributes of the same names. A removed resource (null
// state) keeps the identity it had, else the one its prior state gives: Terraform wants one after every read.
func identityFromState(ctx context.Context, state, prior tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	if identity == nil {
		return
	}
	from := state
	if state.Raw.IsNull() {
		if !identity.Raw.IsFullyNull() || prior.Raw.IsNull() {
			return
		}
		from = prior
	}
	for _, name := range identityAttributeNames(identity) {
		var v types.String
		diags.Append(from.GetAttribute(ctx, path.Root(name), &v)...)
		diags.Append(identity.SetAttribute(ctx, path.Root(name), v)...)
	}
}

func identityAttributeNames(identity *tfsdk.ResourceIdentity) []string {
	var names []string
	for name := range identity.Schema.GetAttributes() {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// identityStrings reads the identity given to an import block (identity = {...}) as attribute → value.
// ok is false when the import came with a string ID instead (terraform import, or an import block's id).
func identityStrings(ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) (map[string]string, bool) {
	if req.ID != "" || req.Identity == nil || req.Identity.Raw.IsNull() {
		return nil, false
	}
	out := map[string]string{}
	for _, name := range identityAttributeNames(req.Identity) {
		var v types.String
		diags.Append(req.Identity.GetAttribute(ctx, path.Root(name), &v)...)
		out[name] = v.ValueString()
	}
	return out, true
}

// importWithIdentity runs a resource's string-ID import, first turning an identity into that string ID with
// legacyID, and records the identity of what was imported.
func importWithIdentity(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse,
	legacyID func(map[string]string) string, importByID func(context.Context, resource.ImportStateRequest, *resource.ImportStateResponse)) {
	if ident, ok := identityStrings(ctx, req, &resp.Diagnostics); ok {
		req.ID = legacyID(ident)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	importByID(ctx, req, resp)
	if !resp.Diagnostics.HasError() {
		identityFromState(ctx, resp.State, resp.State, resp.Identity, &resp.Diagnostics)
	}
}
