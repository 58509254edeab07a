package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

var _ datasource.DataSourceWithConfigValidators = (*projectDataSource)(nil)

// NewProjectDataSource returns ica_project: one visible project by id or exact name, e.g. one made in
// the ICA UI, with the resource's attributes.
func NewProjectDataSource() datasource.DataSource { return &projectDataSource{} }

type projectDataSource struct{ data *ProviderData }

// projectLookup is a project's attributes, shared by the data source and the resource (projectModel).
type projectLookup struct {
	ID                     types.String `tfsdk:"id"`
	Name                   types.String `tfsdk:"name"`
	RegionID               types.String `tfsdk:"region_id"`
	StorageBundleID        types.String `tfsdk:"storage_bundle_id"`
	BillingMode            types.String `tfsdk:"billing_mode"`
	DataSharingEnabled     types.Bool   `tfsdk:"data_sharing_enabled"`
	ShortDescription       types.String `tfsdk:"short_description"`
	Information            types.String `tfsdk:"information"`
	UserTags               types.Set    `tfsdk:"user_tags"`
	TechnicalTags          types.Set    `tfsdk:"technical_tags"`
	AnalysisPriority       types.String `tfsdk:"analysis_priority"`
	MetadataModelID        types.String `tfsdk:"metadata_model_id"`
	StorageConfigurationID types.String `tfsdk:"storage_configuration_id"`
	Subfolder              types.String `tfsdk:"storage_configuration_subfolder"`
	URN                    types.String `tfsdk:"urn"`
	Active                 types.Bool   `tfsdk:"active"`
	OwnerID                types.String `tfsdk:"owner_id"`
	TenantID               types.String `tfsdk:"tenant_id"`
	TimeCreated            types.String `tfsdk:"time_created"`
	TimeModified           types.String `tfsdk:"time_modified"`
}

func (d *projectDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_project"
}

func (d *projectDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	tags := func(desc string) schema.SetAttribute {
		return schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One visible ICA project by `id` or exact `name`, e.g. one made in the ICA UI. A name several " +
			"visible projects carry is an error listing their UUIDs; a hidden project is not found.",
		Attributes: map[string]schema.Attribute{
			"id":                       schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Project UUID. Exactly one of `id` and `name`."},
			"name":                     schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: "Exact project name. Exactly one of `id` and `name`."},
			"region_id":                str("UUID of the project's ICA region."),
			"storage_bundle_id":        str("UUID of the project's storage bundle."),
			"billing_mode":             str("`PROJECT` or `TENANT`."),
			"data_sharing_enabled":     schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether data sharing is enabled."},
			"short_description":        str("Short description, or null."),
			"information":              str("Information, or null."),
			"user_tags":                tags("User tags."),
			"technical_tags":           tags("Technical tags."),
			"analysis_priority":        str("`LOW`, `MEDIUM` or `HIGH`."),
			"metadata_model_id":        str("UUID of the metadata model, or null."),
			"storage_configuration_id": str("UUID of the self-managed storage configuration, or null on ICA's own storage."),
			"storage_configuration_subfolder": str("The project's folder in that storage when ICA says (only its undocumented " +
				"`selfManagedStorageConfiguration` endpoint does), else null."),
			"urn":           str("The project's URN."),
			"active":        schema.BoolAttribute{Computed: true, MarkdownDescription: "Always true: hidden projects are not found."},
			"owner_id":      str("UUID of the user who created the project."),
			"tenant_id":     str("UUID of the tenant."),
			"time_created":  str("When the project was created."),
			"time_modified": str("When the project was last changed."),
		},
	}
}

func (d *projectDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return idOrName()
}

func (d *projectDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *projectDataSource) find(ctx context.Context, id, name string) (*ica.Project, error) {
	if id != "" {
		p, _, err := d.data.ICA.GetProject(ctx, id)
		if ica.IsNotFound(err) {
			return nil, fmt.Errorf("ICA has no project with id %s", id)
		}
		if err == nil && !p.Active {
			return nil, fmt.Errorf("the ICA project %q (%s) is hidden", p.Name, p.ID)
		}
		return p, err
	}
	found, err := d.data.ICA.FindProjectsByName(ctx, name)
	if err != nil {
		return nil, err
	}
	var visible []ica.Project
	for _, p := range found {
		if p.Active {
			visible = append(visible, p)
		}
	}
	if len(visible) == 0 && len(found) > 0 {
		return nil, fmt.Errorf("the only ICA project named %q (%s) is hidden", name, found[0].ID)
	}
	return pickOne("project", visible, "", name, func(p ica.Project) string { return p.ID }, func(p ica.Project) string { return p.Name })
}

func (d *projectDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg projectLookup
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	p, err := d.find(ctx, cfg.ID.ValueString(), cfg.Name.ValueString())
	if err != nil {
		var apiErr *ica.APIError
		if errors.As(err, &apiErr) {
			addICAError(&resp.Diagnostics, "look up", "project", cfg.Name.ValueString()+cfg.ID.ValueString(), err)
		} else {
			resp.Diagnostics.AddError("No single ICA project matches", err.Error()+".")
		}
		return
	}
	m := projectModel{projectLookup: projectLookup{UserTags: types.SetNull(types.StringType), TechnicalTags: types.SetNull(types.StringType), Subfolder: types.StringNull()}}
	if p.StorageConfigurationID() != "" {
		if sub, ok, err := d.data.ICA.ProjectSubfolder(ctx, p.ID); err == nil && ok {
			m.Subfolder = types.StringValue(sub)
		}
	}
	applyProject(ctx, &m, *p, &resp.Diagnostics)
	out := m.projectLookup
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}
