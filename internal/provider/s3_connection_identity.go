package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
)

var _ resource.ResourceWithIdentity = s3ConnectionWithIdentity{}

// s3ConnectionWithIdentity is ica_s3_connection with its resource identity, { bucket, iam_user_name,
// credential_name }: the three names the string import ID BUCKET:IAM_USER_NAME:CREDENTIAL carries. They all
// force replacement, so the identity of a connection never changes.
type s3ConnectionWithIdentity struct{ *s3ConnectionResource }

func newS3ConnectionWithIdentity() resource.Resource {
	return s3ConnectionWithIdentity{&s3ConnectionResource{}}
}

func (r s3ConnectionWithIdentity) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"bucket": identityschema.StringAttribute{RequiredForImport: true, Description: "Name of the S3 bucket."},
			"iam_user_name": identityschema.StringAttribute{RequiredForImport: true,
				Description: "Name of the IAM user whose access key ICA holds."},
			"credential_name": identityschema.StringAttribute{RequiredForImport: true,
				Description: "Name of the ICA storage credential."},
		},
	}
}

func (r s3ConnectionWithIdentity) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.s3ConnectionResource.Create(ctx, req, resp)
	identityFromState(ctx, resp.State, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r s3ConnectionWithIdentity) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.s3ConnectionResource.Read(ctx, req, resp)
	identityFromState(ctx, resp.State, req.State, resp.Identity, &resp.Diagnostics)
}

func (r s3ConnectionWithIdentity) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.s3ConnectionResource.Update(ctx, req, resp)
	identityFromState(ctx, resp.State, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r s3ConnectionWithIdentity) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importWithIdentity(ctx, req, resp, func(id map[string]string) string {
		return id["bucket"] + ":" + id["iam_user_name"] + ":" + id["credential_name"]
	}, r.s3ConnectionResource.ImportState)
}
