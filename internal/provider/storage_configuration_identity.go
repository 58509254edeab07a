package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ resource.ResourceWithIdentity = storageConfigurationWithIdentity{}

// storageConfigurationWithIdentity is ica_storage_configuration with its resource identity, { id }.
type storageConfigurationWithIdentity struct{ *storageConfigurationResource }

func newStorageConfigurationWithIdentity() resource.Resource {
	return storageConfigurationWithIdentity{&storageConfigurationResource{}}
}

func (r storageConfigurationWithIdentity) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("ICA storage configuration UUID.")
}

func (r storageConfigurationWithIdentity) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.storageConfigurationResource.Create(ctx, req, resp)
	identityFromState(ctx, resp.State, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r storageConfigurationWithIdentity) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.storageConfigurationResource.Read(ctx, req, resp)
	identityFromState(ctx, resp.State, req.State, resp.Identity, &resp.Diagnostics)
}

func (r storageConfigurationWithIdentity) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.storageConfigurationResource.Update(ctx, req, resp)
	identityFromState(ctx, resp.State, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r storageConfigurationWithIdentity) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importWithIdentity(ctx, req, resp, func(id map[string]string) string { return id["id"] }, r.storageConfigurationResource.ImportState)
}
