package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

var (
	_ datasource.DataSourceWithConfigValidators = (*secretCredentialDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*secretCredentialsDataSource)(nil)
)

// NewSecretCredentialDataSource returns ica_secret_credential: one credential by id or name. ICA never
// returns secrets, and neither does this.
func NewSecretCredentialDataSource() datasource.DataSource { return &secretCredentialDataSource{} }

// NewSecretCredentialsDataSource returns ica_secret_credentials: every credential ICA lists.
func NewSecretCredentialsDataSource() datasource.DataSource { return &secretCredentialsDataSource{} }

type secretCredentialDataSource struct{ data *ProviderData }

type secretCredentialsDataSource struct{ data *ProviderData }

type secretCredentialLookup struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	Type        types.String `tfsdk:"type"`
	Shared      types.Bool   `tfsdk:"shared"`
	OwnerID     types.String `tfsdk:"owner_id"`
	TimeCreated types.String `tfsdk:"time_created"`
}

type secretCredentialsModel struct {
	SecretCredentials []secretCredentialLookup `tfsdk:"secret_credentials"`
}

func secretCredentialLookupAttributes(lookup bool) map[string]schema.Attribute {
	out := map[string]schema.Attribute{
		"id":           schema.StringAttribute{Computed: true, MarkdownDescription: "Credential UUID."},
		"name":         schema.StringAttribute{Computed: true, MarkdownDescription: "Credential name."},
		"type":         schema.StringAttribute{Computed: true, MarkdownDescription: "Credential type, e.g. `AWS_USER`."},
		"shared":       schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether it is shared with the tenant; always null, because ICA's API does not say."},
		"owner_id":     schema.StringAttribute{Computed: true, MarkdownDescription: "UUID of the user who created it."},
		"time_created": schema.StringAttribute{Computed: true, MarkdownDescription: "When it was created."},
	}
	if lookup {
		out["id"] = schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Credential UUID. Exactly one of `id` and `name`."}
		out["name"] = schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Exact name. Exactly one of `id` and `name`."}
	}
	return out
}

func (d *secretCredentialDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_credential"
}

func (d *secretCredentialsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_credentials"
}

func (d *secretCredentialDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "One ICA secret (storage) credential by `id` or exact `name`, e.g. one made in the ICA UI. ICA never " +
			"returns the secret, so neither does this. A name several carry is an error listing their UUIDs.",
		Attributes: secretCredentialLookupAttributes(true),
	}
}

func (d *secretCredentialsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every ICA secret credential the caller can see (never a secret).",
		Attributes: map[string]schema.Attribute{
			"secret_credentials": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The credentials, in ICA's order.",
				NestedObject: schema.NestedAttributeObject{Attributes: secretCredentialLookupAttributes(false)}},
		},
	}
}

func (d *secretCredentialDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return idOrName()
}

func (d *secretCredentialDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *secretCredentialsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func secretCredentialFromICA(c ica.StorageCredential) secretCredentialLookup {
	return secretCredentialLookup{ID: types.StringValue(c.ID), Name: types.StringValue(c.Name), Type: types.StringValue(c.Type),
		Shared: types.BoolNull(), OwnerID: types.StringValue(c.OwnerID), TimeCreated: types.StringValue(c.TimeCreated)}
}

func (d *secretCredentialDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m secretCredentialLookup
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	all, err := d.data.ICA.ListStorageCredentials(ctx)
	if err != nil {
		addICAError(&resp.Diagnostics, "list", "storage credentials", "", err)
		return
	}
	c, err := pickOne("secret credential", all, m.ID.ValueString(), m.Name.ValueString(),
		func(c ica.StorageCredential) string { return c.ID }, func(c ica.StorageCredential) string { return c.Name })
	if err != nil {
		resp.Diagnostics.AddError("No single ICA secret credential matches", err.Error()+".")
		return
	}
	out := secretCredentialFromICA(*c)
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

func (d *secretCredentialsDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	all, err := d.data.ICA.ListStorageCredentials(ctx)
	if err != nil {
		addICAError(&resp.Diagnostics, "list", "storage credentials", "", err)
		return
	}
	m := secretCredentialsModel{SecretCredentials: make([]secretCredentialLookup, 0, len(all))}
	for _, c := range all {
		m.SecretCredentials = append(m.SecretCredentials, secretCredentialFromICA(c))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
