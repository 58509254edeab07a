package provider_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/provider"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// Protocol-level tests of the list resources and the action: the provider server is called the way
// Terraform >= 1.14 calls it (tfprotov6), with no Terraform binary, against the in-process ICA emulator.

// fullServer is the part of the framework's server that Terraform >= 1.14 calls for list resources and actions.
type fullServer interface {
	tfprotov6.ProviderServer
	ListResource(context.Context, *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error)
	InvokeAction(context.Context, *tfprotov6.InvokeActionRequest) (*tfprotov6.InvokeActionServerStream, error)
}

type protoServer struct {
	t      *testing.T
	s      fullServer
	schema *tfprotov6.GetProviderSchemaResponse
	ids    *tfprotov6.GetResourceIdentitySchemasResponse
}

// newProtoServer configures a provider server for emu (no ICA credentials when emu is nil).
func newProtoServer(t *testing.T, emu *acctest.Emulator) *protoServer {
	t.Helper()
	unsetICAEnv(t)
	server, err := providerserver.NewProtocol6WithError(provider.New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	s, ok := server.(fullServer)
	if !ok {
		t.Fatalf("the provider server (%T) serves no list resources or actions", server)
	}
	ctx := context.Background()
	schema, err := s.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schema.Diagnostics) > 0 {
		t.Fatalf("GetProviderSchema: %v %v", err, schema.Diagnostics)
	}
	ids, err := s.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil || len(ids.Diagnostics) > 0 {
		t.Fatalf("GetResourceIdentitySchemas: %v %v", err, ids.Diagnostics)
	}
	p := &protoServer{t: t, s: s, schema: schema, ids: ids}
	vals := map[string]tftypes.Value{}
	if emu != nil {
		vals["base_url"] = tftypes.NewValue(tftypes.String, emu.URL)
		vals["api_key"] = tftypes.NewValue(tftypes.String, emu.APIKey)
	}
	resp, err := s.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.15.9", Config: p.value(schema.Provider, vals),
	})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("ConfigureProvider: %v %v", err, diagText(resp.Diagnostics))
	}
	return p
}

// value is an object of schema's type with vals set and every other attribute (and block) null.
func (p *protoServer) value(schema *tfprotov6.Schema, vals map[string]tftypes.Value) *tfprotov6.DynamicValue {
	p.t.Helper()
	typ := schema.ValueType().(tftypes.Object)
	attrs := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(at, nil)
		if v, ok := vals[name]; ok {
			attrs[name] = v
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, attrs))
	if err != nil {
		p.t.Fatal(err)
	}
	return &dv
}

func stringValues(vals map[string]string) map[string]tftypes.Value {
	out := map[string]tftypes.Value{}
	for k, v := range vals {
		out[k] = tftypes.NewValue(tftypes.String, v)
	}
	return out
}

// listed is one list result, decoded.
type listed struct {
	display  string
	identity map[string]string
	resource map[string]tftypes.Value // nil without IncludeResource
	diags    []*tfprotov6.Diagnostic
}

func (p *protoServer) list(typeName string, filter map[string]string, include bool, limit int64) []listed {
	p.t.Helper()
	stream, err := p.s.ListResource(context.Background(), &tfprotov6.ListResourceRequest{
		TypeName: typeName, Config: p.value(p.schema.ListResourceSchemas[typeName], stringValues(filter)),
		IncludeResource: include, Limit: limit,
	})
	if err != nil {
		p.t.Fatal(err)
	}
	var out []listed
	for r := range stream.Results {
		l := listed{display: r.DisplayName, diags: r.Diagnostics}
		if r.Identity != nil && r.Identity.IdentityData != nil {
			v, err := r.Identity.IdentityData.Unmarshal(p.ids.IdentitySchemas[typeName].ValueType())
			if err != nil {
				p.t.Fatal(err)
			}
			l.identity = map[string]string{}
			var m map[string]tftypes.Value
			_ = v.As(&m)
			for k, x := range m {
				var s string
				_ = x.As(&s)
				l.identity[k] = s
			}
		}
		if r.Resource != nil {
			v, err := r.Resource.Unmarshal(p.schema.ResourceSchemas[typeName].ValueType())
			if err != nil {
				p.t.Fatal(err)
			}
			_ = v.As(&l.resource)
		}
		out = append(out, l)
	}
	return out
}

func str(v tftypes.Value) string {
	if v.IsNull() {
		return "<null>"
	}
	var s string
	_ = v.As(&s)
	return s
}

func diagText(ds []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Summary + ": " + d.Detail + "\n")
	}
	return b.String()
}

func TestProtocolListSecretCredentials(t *testing.T) {
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	a, _ := handMadeICA(t, emu, "proto-a", "sca", "AKIAIOSFODNN7EXAMPLE")
	b, _ := handMadeICA(t, emu, "proto-b", "scb", "AKIAI44QH8DHBEXAMPLE")
	p := newProtoServer(t, emu)

	all := p.list("ica_secret_credential", nil, false, 0)
	if len(all) != 2 || all[0].identity["id"] != a.ID || all[1].identity["id"] != b.ID || all[1].display != "proto-b" {
		t.Fatalf("want both credentials by id and name, got %+v", all)
	}
	if all[0].resource != nil {
		t.Errorf("a list without include_resource returned the resource: %v", all[0].resource)
	}

	one := p.list("ica_secret_credential", map[string]string{"name": "proto-b"}, true, 0)
	if len(one) != 1 || one[0].identity["id"] != b.ID {
		t.Fatalf("the exact-name filter: got %+v", one)
	}
	r := one[0].resource
	for attr, want := range map[string]string{"id": b.ID, "name": "proto-b", "type": "AWS_USER", "access_key_id": "<null>",
		"secret_access_key": "<null>", "secret_access_key_wo": "<null>"} {
		if got := str(r[attr]); got != want {
			t.Errorf("%s = %q, want %q", attr, got, want)
		}
	}
	if p.list("ica_secret_credential", map[string]string{"name": "proto"}, false, 0) != nil {
		t.Error("the name filter matched a prefix; it must be exact")
	}
	if got := p.list("ica_secret_credential", nil, false, 1); len(got) != 1 {
		t.Errorf("limit 1: got %d results", len(got))
	}
}

func TestProtocolListStorageConfigurations(t *testing.T) {
	emu := acctest.NewEmulator(t, icaemulator.Options{})
	cred, sc := handMadeICA(t, emu, "proto-c", "proto-sc", "AKIAIOSFODNN7EXAMPLE")
	handMadeICA(t, emu, "proto-d", "other-sc", "AKIAI44QH8DHBEXAMPLE")
	p := newProtoServer(t, emu)

	got := p.list("ica_storage_configuration", map[string]string{"name": "proto-sc"}, true, 0)
	if len(got) != 1 || got[0].identity["id"] != sc.ID || got[0].display != "proto-sc" || len(got[0].diags) > 0 {
		t.Fatalf("got %+v (%s)", got, diagText(got[0].diags))
	}
	r := got[0].resource
	for attr, want := range map[string]string{"id": sc.ID, "name": "proto-sc", "credential_id": cred.ID, "prefix": "ica/",
		"region_id": sc.Region.ID, "sse_algorithm": "<null>"} {
		if got := str(r[attr]); got != want {
			t.Errorf("%s = %q, want %q", attr, got, want)
		}
	}
}

func TestProtocolListWithoutICACredentials(t *testing.T) {
	p := newProtoServer(t, nil)
	for _, typeName := range []string{"ica_secret_credential", "ica_storage_configuration", "ica_s3_connection"} {
		got := p.list(typeName, nil, false, 0)
		if len(got) != 1 || len(got[0].diags) != 1 || got[0].diags[0].Severity != tfprotov6.DiagnosticSeverityError ||
			!strings.Contains(got[0].diags[0].Detail, "needs ICA credentials") {
			t.Errorf("%s: want one error saying ICA credentials are needed, got %+v", typeName, got)
		}
	}
}

// invoke runs the action and returns its progress messages and final diagnostics.
func (p *protoServer) invoke(id string) ([]string, []*tfprotov6.Diagnostic) {
	p.t.Helper()
	schema := p.schema.ActionSchemas["ica_storage_configuration_validate"].Schema
	stream, err := p.s.InvokeAction(context.Background(), &tfprotov6.InvokeActionRequest{
		ActionType: "ica_storage_configuration_validate", Config: p.value(schema, stringValues(map[string]string{"id": id})),
	})
	if err != nil {
		p.t.Fatal(err)
	}
	var progress []string
	var final []*tfprotov6.Diagnostic
	for e := range stream.Events {
		switch ev := e.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			progress = append(progress, ev.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			final = ev.Diagnostics
		}
	}
	return progress, final
}

func TestProtocolValidateAction(t *testing.T) {
	emu := acctest.NewEmulator(t, icaemulator.Options{ValidationDelay: 300 * time.Millisecond})
	cred, sc := handMadeICA(t, emu, "proto-v", "proto-v", "AKIAIOSFODNN7EXAMPLE")
	p := newProtoServer(t, emu)

	progress, diags := p.invoke(sc.ID)
	if len(diags) > 0 {
		t.Fatalf("the action failed on a valid configuration: %s", diagText(diags))
	}
	if len(progress) < 2 || !strings.Contains(progress[0], "ICA is validating") || !strings.HasSuffix(progress[len(progress)-1], ") OK") {
		t.Errorf("progress: %q", progress)
	}

	emu.DeleteCredential(t, cred.ID)
	_, diags = p.invoke(sc.ID)
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError ||
		!strings.Contains(diags[0].Detail, `ICA reports the storage configuration "proto-v" (`+sc.ID+`) in ERROR: `) {
		t.Errorf("want ICA's ERROR with its message, got %s", diagText(diags))
	}

	_, diags = p.invoke("0f8fad5b-d9cb-469f-a165-70867728950e")
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, "0f8fad5b-d9cb-469f-a165-70867728950e") {
		t.Errorf("an unknown configuration: want an error naming it, got %s", diagText(diags))
	}
	var validates int
	for _, r := range emu.Requests(t) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, ":validate") {
			validates++
		}
	}
	if validates != 2 {
		t.Errorf("want two :validate calls (none for the unknown configuration), got %d", validates)
	}
}

func TestProtocolListProjects(t *testing.T) {
	f := newProjectFixture(t, icaemulator.Options{})
	id := f.createDirectly(t, "Proto listed", f.configID)
	f.createDirectly(t, "Proto other", "")
	p := newProtoServer(t, f.emu)

	got := p.list("ica_project", map[string]string{"name": "Proto listed"}, true, 0)
	if len(got) != 1 || got[0].identity["id"] != id || got[0].display != "Proto listed" || len(got[0].diags) > 0 {
		t.Fatalf("got %+v", got)
	}
	r := got[0].resource
	for attr, want := range map[string]string{"id": id, "name": "Proto listed", "region_id": f.region,
		"storage_configuration_id": f.configID, "storage_configuration_subfolder": "<null>"} {
		if got := str(r[attr]); got != want {
			t.Errorf("%s = %q, want %q", attr, got, want)
		}
	}
	if all := p.list("ica_project", nil, false, 0); len(all) != 2 {
		t.Errorf("want both projects without a filter, got %d", len(all))
	}
}
