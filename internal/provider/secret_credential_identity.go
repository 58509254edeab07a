package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ resource.ResourceWithIdentity = secretCredentialWithIdentity{}

// secretCredentialWithIdentity is ica_secret_credential with its resource identity, { id }.
type secretCredentialWithIdentity struct{ *secretCredentialResource }

func newSecretCredentialWithIdentity() resource.Resource {
	return secretCredentialWithIdentity{&secretCredentialResource{}}
}

func (r secretCredentialWithIdentity) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("ICA storage credential UUID.")
}

func (r secretCredentialWithIdentity) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.secretCredentialResource.Create(ctx, req, resp)
	identityFromState(ctx, resp.State, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r secretCredentialWithIdentity) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.secretCredentialResource.Read(ctx, req, resp)
	identityFromState(ctx, resp.State, req.State, resp.Identity, &resp.Diagnostics)
}

func (r secretCredentialWithIdentity) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.secretCredentialResource.Update(ctx, req, resp)
	identityFromState(ctx, resp.State, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r secretCredentialWithIdentity) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importWithIdentity(ctx, req, resp, func(id map[string]string) string { return id["id"] }, r.secretCredentialResource.ImportState)
}
