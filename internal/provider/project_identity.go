package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ resource.ResourceWithIdentity = projectWithIdentity{}

// projectWithIdentity is ica_project with its resource identity, { id }.
type projectWithIdentity struct{ *projectResource }

func newProjectWithIdentity() resource.Resource {
	return projectWithIdentity{&projectResource{}}
}

func (r projectWithIdentity) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("ICA project UUID.")
}

func (r projectWithIdentity) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.projectResource.Create(ctx, req, resp)
	identityFromState(ctx, resp.State, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r projectWithIdentity) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.projectResource.Read(ctx, req, resp)
	identityFromState(ctx, resp.State, req.State, resp.Identity, &resp.Diagnostics)
}

func (r projectWithIdentity) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.projectResource.Update(ctx, req, resp)
	identityFromState(ctx, resp.State, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r projectWithIdentity) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importWithIdentity(ctx, req, resp, func(id map[string]string) string { return id["id"] }, r.projectResource.ImportState)
}
