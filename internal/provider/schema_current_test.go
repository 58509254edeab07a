package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	aschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// The list resources, the action and the resource identities are documented like the rest (see
// TestSchemasAreDescribed), and every resource has an identity and a list resource of the same name.
func TestCurrentSchemasAreDescribed(t *testing.T) {
	ctx := context.Background()
	p := New("test")().(*icaProvider)

	withIdentity := map[string]bool{}
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "ica"}, &meta)
		ri, ok := r.(resource.ResourceWithIdentity)
		if !ok {
			t.Errorf("%s has no resource identity", meta.TypeName)
			continue
		}
		var iresp resource.IdentitySchemaResponse
		ri.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &iresp)
		if len(iresp.IdentitySchema.Attributes) == 0 {
			t.Errorf("%s: empty identity schema", meta.TypeName)
		}
		for name, a := range iresp.IdentitySchema.Attributes {
			need(t, meta.TypeName+" identity."+name, a)
		}
		withIdentity[meta.TypeName] = true
	}

	for _, newList := range p.ListResources(ctx) {
		l := newList()
		var meta resource.MetadataResponse
		l.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "ica"}, &meta)
		if !withIdentity[meta.TypeName] {
			t.Errorf("list resource %s lists no resource with an identity", meta.TypeName)
		}
		var sresp list.ListResourceSchemaResponse
		l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &sresp)
		need(t, "list "+meta.TypeName, sresp.Schema)
		for name, a := range sresp.Schema.Attributes {
			need(t, "list "+meta.TypeName+"."+name, a)
		}
	}
	if got := len(p.ListResources(ctx)); got != len(withIdentity) {
		t.Errorf("%d list resources for %d resources", got, len(withIdentity))
	}

	for _, newAction := range p.Actions(ctx) {
		a := newAction()
		var meta action.MetadataResponse
		a.Metadata(ctx, action.MetadataRequest{ProviderTypeName: "ica"}, &meta)
		var sresp action.SchemaResponse
		a.Schema(ctx, action.SchemaRequest{}, &sresp)
		need(t, "action "+meta.TypeName, sresp.Schema)
		for name, at := range sresp.Schema.Attributes {
			need(t, "action "+meta.TypeName+"."+name, at)
		}
		for name, b := range sresp.Schema.Blocks {
			need(t, "action "+meta.TypeName+"."+name, b)
			if nb, ok := b.(aschema.SingleNestedBlock); ok {
				for an, at := range nb.Attributes {
					need(t, "action "+meta.TypeName+"."+name+"."+an, at)
				}
			}
		}
	}
}
