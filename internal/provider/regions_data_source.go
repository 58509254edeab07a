package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/regions"
)

var _ datasource.DataSource = (*regionsDataSource)(nil)

// NewRegionsDataSource returns the ica_regions data source: the provider's ICA → AWS region table.
func NewRegionsDataSource() datasource.DataSource { return &regionsDataSource{} }

type regionsDataSource struct{}

var regionObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"name":       types.StringType,
	"aws_region": types.StringType,
	"note":       types.StringType,
}}

func (d *regionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_regions"
}

func (d *regionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "The ICA regions and the AWS region each one needs: a bucket (and its KMS key) must be in the " +
			"AWS region of the ICA region whose projects use it. This is the provider's own table; it needs no ICA " +
			"credentials.",
		Attributes: map[string]schema.Attribute{
			"regions": schema.ListNestedAttribute{
				Computed:    true,
				Description: "Every ICA region, in the order of ICA's documentation.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":       schema.StringAttribute{Computed: true, MarkdownDescription: "ICA region name, e.g. `United States`."},
					"aws_region": schema.StringAttribute{Computed: true, MarkdownDescription: "AWS region, e.g. `us-east-1`."},
					"note": schema.StringAttribute{Computed: true, Description: "Limitations of this region " +
						"(e.g. South Korea has no BaseSpace Sequence Hub); empty when there are none."},
				}},
			},
			"aws_regions": schema.MapAttribute{
				Computed:    true,
				ElementType: types.StringType,
				Description: "ICA region name → AWS region.",
			},
		},
	}
}

type regionsModel struct {
	Regions    types.List `tfsdk:"regions"`
	AWSRegions types.Map  `tfsdk:"aws_regions"`
}

func (d *regionsDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	all := regions.All()
	objects := make([]attr.Value, 0, len(all))
	byName := make(map[string]attr.Value, len(all))
	for _, r := range all {
		obj, diags := types.ObjectValue(regionObjectType.AttrTypes, map[string]attr.Value{
			"name":       types.StringValue(r.Name),
			"aws_region": types.StringValue(r.AWSRegion),
			"note":       types.StringValue(r.Note),
		})
		resp.Diagnostics.Append(diags...)
		objects = append(objects, obj)
		byName[r.Name] = types.StringValue(r.AWSRegion)
	}
	list, diags := types.ListValue(regionObjectType, objects)
	resp.Diagnostics.Append(diags...)
	m, diags := types.MapValue(types.StringType, byName)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, regionsModel{Regions: list, AWSRegions: m})...)
}
