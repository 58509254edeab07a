package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/regions"
)

var (
	_ datasource.DataSourceWithConfigure        = (*regionDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*regionDataSource)(nil)
)

// NewRegionDataSource returns the ica_region data source: one ICA region by name or AWS region, with its
// ICA UUID when ICA credentials are configured.
func NewRegionDataSource() datasource.DataSource { return &regionDataSource{} }

type regionDataSource struct {
	data *ProviderData
}

type regionModel struct {
	Name      types.String `tfsdk:"name"`
	AWSRegion types.String `tfsdk:"aws_region"`
	Note      types.String `tfsdk:"note"`
	ID        types.String `tfsdk:"id"`
	Code      types.String `tfsdk:"code"`
	CityName  types.String `tfsdk:"city_name"`
}

func (d *regionDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_region"
}

func (d *regionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "One ICA region, looked up by its name or by its AWS region. `name`, `aws_region` and `note` come " +
			"from the provider's table and need no ICA credentials; `id`, `code` and `city_name` come from the live ICA " +
			"API and are null when no ICA credentials are configured.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "ICA region name, e.g. `United States`, matched case-insensitively (`Europe` is accepted " +
					"for Germany, `UK` and `United Kingdom` for the UK). Exactly one of `name` and `aws_region`. " +
					"Holds the table's spelling of the name after the lookup.",
			},
			"aws_region": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "AWS region, e.g. `eu-central-1`. Exactly one of `name` and `aws_region`.",
			},
			"note": schema.StringAttribute{
				Computed:    true,
				Description: "Limitations of this region; empty when there are none.",
			},
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "ICA region UUID (what `ica_storage_configuration.region_id` needs), matched on the " +
					"country's ISO code. Null without ICA credentials.",
			},
			"code": schema.StringAttribute{
				Computed:    true,
				Description: "ICA's region code. Null without ICA credentials.",
			},
			"city_name": schema.StringAttribute{
				Computed:    true,
				Description: "City of the ICA region's data centre, as ICA names it. Null without ICA credentials.",
			},
		},
	}
}

func (d *regionDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("name"), path.MatchRoot("aws_region")),
	}
}

func (d *regionDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *regionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	ctx, cancel := withReadDefault(ctx)
	defer cancel()
	var m regionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}

	var (
		r   regions.Region
		err error
	)
	if !m.Name.IsNull() {
		r, err = regions.ByName(m.Name.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Unknown ICA region", err.Error())
			return
		}
	} else {
		r, err = regions.ByAWSRegion(m.AWSRegion.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("aws_region"), "No ICA region in this AWS region", err.Error())
			return
		}
	}

	m.Name = types.StringValue(r.Name)
	m.AWSRegion = types.StringValue(r.AWSRegion)
	m.Note = types.StringValue(r.Note)
	m.ID, m.Code, m.CityName = types.StringNull(), types.StringNull(), types.StringNull()

	if d.data != nil && d.data.ICA.HasCredentials() {
		live, err := d.data.ICA.ListRegions(ctx)
		if err != nil {
			addICAError(&resp.Diagnostics, "list", "regions", "", err)
			return
		}
		found := false
		for _, lr := range live {
			if strings.EqualFold(lr.Country.Code, r.CountryCode) {
				m.ID = types.StringValue(lr.ID)
				m.Code = types.StringValue(lr.Code)
				m.CityName = types.StringValue(lr.CityName)
				found = true
				break
			}
		}
		if !found {
			resp.Diagnostics.AddWarning("ICA region not available to this tenant",
				fmt.Sprintf("ICA does not list the region %q (country code %s) for these credentials, so id, code and "+
					"city_name are null. Ask Illumina to enable the region for your tenant, or choose one of the "+
					"regions ICA lists.", r.Name, r.CountryCode))
		}
	}

	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
