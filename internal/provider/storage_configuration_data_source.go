package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

var (
	_ datasource.DataSourceWithConfigValidators = (*storageConfigurationDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*storageConfigurationsDataSource)(nil)
)

// NewStorageConfigurationDataSource returns ica_storage_configuration: one configuration by id or name,
// typically one made in the ICA UI.
func NewStorageConfigurationDataSource() datasource.DataSource {
	return &storageConfigurationDataSource{}
}

// NewStorageConfigurationsDataSource returns ica_storage_configurations: every configuration ICA lists.
func NewStorageConfigurationsDataSource() datasource.DataSource {
	return &storageConfigurationsDataSource{}
}

type storageConfigurationDataSource struct{ data *ProviderData }

type storageConfigurationsDataSource struct{ data *ProviderData }

type storageConfigurationLookup struct {
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	Description  types.String `tfsdk:"description"`
	Bucket       types.String `tfsdk:"bucket"`
	Prefix       types.String `tfsdk:"prefix"`
	RegionID     types.String `tfsdk:"region_id"`
	Status       types.String `tfsdk:"status"`
	ErrorMessage types.String `tfsdk:"error_message"`
	IsDefault    types.Bool   `tfsdk:"is_default"`
	Shared       types.Bool   `tfsdk:"shared"`
	SSEAlgorithm types.String `tfsdk:"sse_algorithm"`
	SSEKMSKeyARN types.String `tfsdk:"sse_kms_key_arn"`
}

type storageConfigurationsModel struct {
	StorageConfigurations []storageConfigurationLookup `tfsdk:"storage_configurations"`
}

func storageConfigurationLookupAttributes(lookup bool) map[string]schema.Attribute {
	out := map[string]schema.Attribute{
		"id":              schema.StringAttribute{Computed: true, MarkdownDescription: "Storage configuration UUID."},
		"name":            schema.StringAttribute{Computed: true, MarkdownDescription: "Storage configuration name."},
		"description":     schema.StringAttribute{Computed: true, MarkdownDescription: "Description, or null."},
		"bucket":          schema.StringAttribute{Computed: true, MarkdownDescription: "S3 bucket."},
		"prefix":          schema.StringAttribute{Computed: true, MarkdownDescription: "Folder in the bucket as ICA stores it (`ica/`), or null for the whole bucket."},
		"region_id":       schema.StringAttribute{Computed: true, MarkdownDescription: "UUID of the ICA region."},
		"status":          schema.StringAttribute{Computed: true, MarkdownDescription: "ICA's validation status: `INITIALIZING`, `OK` or `ERROR`."},
		"error_message":   schema.StringAttribute{Computed: true, MarkdownDescription: "Why ICA reports `ERROR`; null otherwise."},
		"is_default":      schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether this is the tenant's default storage configuration."},
		"shared":          schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether it is shared with the tenant; always null, because ICA's API does not say."},
		"sse_algorithm":   schema.StringAttribute{Computed: true, MarkdownDescription: "Server-side encryption ICA asks for, or null."},
		"sse_kms_key_arn": schema.StringAttribute{Computed: true, MarkdownDescription: "KMS key for `aws:kms`, or null."},
	}
	if lookup {
		out["id"] = schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Storage configuration UUID. Exactly one of `id` and `name`."}
		out["name"] = schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Exact name. Exactly one of `id` and `name`."}
	}
	return out
}

func (d *storageConfigurationDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storage_configuration"
}

func (d *storageConfigurationsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storage_configurations"
}

func (d *storageConfigurationDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "One ICA storage configuration by `id` or exact `name`, typically one made in the ICA UI, to put a " +
			"project on it. An unknown name is an error listing the configurations ICA has; a name several carry is an " +
			"error listing their UUIDs.",
		Attributes: storageConfigurationLookupAttributes(true),
	}
}

func (d *storageConfigurationsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every ICA storage configuration the caller can see.",
		Attributes: map[string]schema.Attribute{
			"storage_configurations": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The configurations, in ICA's order.",
				NestedObject: schema.NestedAttributeObject{Attributes: storageConfigurationLookupAttributes(false)}},
		},
	}
}

func (d *storageConfigurationDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return idOrName()
}

func (d *storageConfigurationDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *storageConfigurationsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func storageConfigurationFromICA(c ica.StorageConfigurationWithDetails) storageConfigurationLookup {
	out := storageConfigurationLookup{
		ID: types.StringValue(c.ID), Name: types.StringValue(c.Name), Description: stringOrNullPtr(c.Description),
		RegionID: types.StringValue(c.Region.ID), Status: types.StringValue(c.Status), ErrorMessage: types.StringNull(),
		IsDefault: types.BoolValue(c.IsDefault), Shared: types.BoolNull(),
		Bucket: types.StringNull(), Prefix: types.StringNull(), SSEAlgorithm: types.StringNull(), SSEKMSKeyARN: types.StringNull(),
	}
	if msg := deref(c.ErrorMessage); msg != "" {
		out.ErrorMessage = types.StringValue(msg)
	}
	if d := c.StorageConfigurationDetails; d != nil && d.AWSS3 != nil {
		out.Bucket = types.StringValue(d.AWSS3.BucketName)
		out.Prefix = nonEmpty(deref(d.AWSS3.KeyPrefix))
		out.SSEAlgorithm = nonEmpty(deref(d.AWSS3.ServerSideEncryptionAlgorithm))
		out.SSEKMSKeyARN = nonEmpty(deref(d.AWSS3.ServerSideEncryptionKey))
	}
	return out
}

func nonEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// withDetails fills in a list item's details when the list left them out (one GET for that item only).
func (d *storageConfigurationDataSource) withDetails(ctx context.Context, c ica.StorageConfigurationWithDetails) (ica.StorageConfigurationWithDetails, error) {
	if c.StorageConfigurationDetails != nil && c.StorageConfigurationDetails.AWSS3 != nil {
		return c, nil
	}
	details, err := d.data.ICA.GetStorageConfigurationDetails(ctx, c.ID)
	if err != nil {
		return c, err
	}
	c.StorageConfigurationDetails = details
	return c, nil
}

func (d *storageConfigurationDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m storageConfigurationLookup
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	all, err := d.data.ICA.ListStorageConfigurations(ctx)
	if err != nil {
		addICAError(&resp.Diagnostics, "list", "storage configurations", "", err)
		return
	}
	c, err := pickOne("storage configuration", all, m.ID.ValueString(), m.Name.ValueString(),
		func(c ica.StorageConfigurationWithDetails) string { return c.ID },
		func(c ica.StorageConfigurationWithDetails) string { return c.Name })
	if err != nil {
		resp.Diagnostics.AddError("No single ICA storage configuration matches", err.Error()+".")
		return
	}
	full, err := d.withDetails(ctx, *c)
	if err != nil {
		addICAError(&resp.Diagnostics, "read the details of", "storage configuration", c.Name, err)
		return
	}
	out := storageConfigurationFromICA(full)
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

func (d *storageConfigurationsDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	all, err := d.data.ICA.ListStorageConfigurations(ctx)
	if err != nil {
		addICAError(&resp.Diagnostics, "list", "storage configurations", "", err)
		return
	}
	m := storageConfigurationsModel{StorageConfigurations: make([]storageConfigurationLookup, 0, len(all))}
	for _, c := range all {
		m.StorageConfigurations = append(m.StorageConfigurations, storageConfigurationFromICA(c))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
