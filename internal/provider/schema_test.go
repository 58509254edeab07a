package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// described is what every schema attribute and block offers.
type described interface {
	GetDescription() string
	GetMarkdownDescription() string
}

// Every attribute and block becomes registry documentation, so each must say what it is; a description
// with Markdown (backticks, links) must be a MarkdownDescription, so that editors render it.
func TestSchemasAreDescribed(t *testing.T) {
	ctx := context.Background()
	p := New("test")()

	var presp fwprovider.SchemaResponse
	p.Schema(ctx, fwprovider.SchemaRequest{}, &presp)
	checkProviderSchema(t, "provider", presp.Schema)

	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "ica"}, &meta)
		var sresp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sresp)
		if sresp.Diagnostics.HasError() {
			t.Fatalf("%s: %v", meta.TypeName, sresp.Diagnostics)
		}
		need(t, meta.TypeName, sresp.Schema)
		walkResource(t, meta.TypeName, sresp.Schema.Attributes, sresp.Schema.Blocks)
		if d := sresp.Schema.ValidateImplementation(ctx); d.HasError() {
			t.Errorf("%s: %v", meta.TypeName, d)
		}
	}
	for _, newDataSource := range p.DataSources(ctx) {
		d := newDataSource()
		var meta datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "ica"}, &meta)
		var sresp datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &sresp)
		need(t, meta.TypeName, sresp.Schema)
		walkDataSource(t, meta.TypeName, sresp.Schema.Attributes)
	}
}

func checkProviderSchema(t *testing.T, where string, s pschema.Schema) {
	for name, a := range s.Attributes {
		need(t, where+"."+name, a)
	}
	for name, b := range s.Blocks {
		need(t, where+"."+name, b)
		if nb, ok := b.(pschema.SingleNestedBlock); ok {
			checkProviderSchema(t, where+"."+name, pschema.Schema{Attributes: nb.Attributes, Blocks: nb.Blocks})
		}
	}
}

func walkResource(t *testing.T, where string, attrs map[string]rschema.Attribute, blocks map[string]rschema.Block) {
	for name, a := range attrs {
		need(t, where+"."+name, a)
		if n, ok := a.(rschema.ListNestedAttribute); ok {
			walkResource(t, where+"."+name, n.NestedObject.Attributes, nil)
		}
		if n, ok := a.(rschema.SingleNestedAttribute); ok {
			walkResource(t, where+"."+name, n.Attributes, nil)
		}
	}
	for name, b := range blocks {
		need(t, where+"."+name, b)
		if nb, ok := b.(rschema.SingleNestedBlock); ok {
			walkResource(t, where+"."+name, nb.Attributes, nb.Blocks)
		}
	}
}

func walkDataSource(t *testing.T, where string, attrs map[string]dsschema.Attribute) {
	for name, a := range attrs {
		need(t, where+"."+name, a)
		if n, ok := a.(dsschema.ListNestedAttribute); ok {
			walkDataSource(t, where+"."+name, n.NestedObject.Attributes)
		}
	}
}

func need(t *testing.T, where string, v described) {
	t.Helper()
	plain, markdown := v.GetDescription(), v.GetMarkdownDescription()
	if plain == "" && markdown == "" {
		t.Errorf("%s has no description", where)
	}
	if strings.Contains(plain, "`") || strings.Contains(plain, "](") {
		t.Errorf("%s: the description has Markdown, so it must be a MarkdownDescription: %q", where, plain)
	}
}
