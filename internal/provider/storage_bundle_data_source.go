package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

var (
	_ datasource.DataSourceWithConfigure = (*storageBundleDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*storageBundlesDataSource)(nil)
)

// NewStorageBundleDataSource returns ica_storage_bundle: the storage bundle of a region, which
// ica_project needs.
func NewStorageBundleDataSource() datasource.DataSource { return &storageBundleDataSource{} }

// NewStorageBundlesDataSource returns ica_storage_bundles: every storage bundle, optionally of one region.
func NewStorageBundlesDataSource() datasource.DataSource { return &storageBundlesDataSource{} }

type storageBundleDataSource struct{ data *ProviderData }

type storageBundlesDataSource struct{ data *ProviderData }

type storageBundleModel struct {
	RegionID        types.String `tfsdk:"region_id"`
	BundleName      types.String `tfsdk:"bundle_name"`
	ID              types.String `tfsdk:"id"`
	EntitlementName types.String `tfsdk:"entitlement_name"`
}

type storageBundleItem struct {
	ID              types.String `tfsdk:"id"`
	BundleName      types.String `tfsdk:"bundle_name"`
	EntitlementName types.String `tfsdk:"entitlement_name"`
	RegionID        types.String `tfsdk:"region_id"`
}

type storageBundlesModel struct {
	RegionID       types.String        `tfsdk:"region_id"`
	StorageBundles []storageBundleItem `tfsdk:"storage_bundles"`
}

func (d *storageBundleDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storage_bundle"
}

func (d *storageBundlesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storage_bundles"
}

func (d *storageBundleDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *storageBundlesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *storageBundleDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The storage bundle of an ICA region: `ica_project` needs its `id`. ICA's API lists every bundle of " +
			"the tenant without filters, so the region (and, when a region has several, the bundle name) is matched here. " +
			"An unknown or ambiguous lookup is an error that lists what exists.",
		Attributes: map[string]schema.Attribute{
			"region_id": schema.StringAttribute{Required: true, MarkdownDescription: "UUID of the ICA region, e.g. `data.ica_region.x.id`.",
				Validators: []validator.String{uuidValidator("ICA region id", "the ica_region data source's id")}},
			"bundle_name": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Bundle name, matched exactly; needed only when the region has several bundles."},
			"id":               schema.StringAttribute{Computed: true, MarkdownDescription: "Storage bundle UUID."},
			"entitlement_name": schema.StringAttribute{Computed: true, MarkdownDescription: "Name of the entitlement the bundle belongs to."},
		},
	}
}

func bundleItemAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id":               schema.StringAttribute{Computed: true, MarkdownDescription: "Storage bundle UUID."},
		"bundle_name":      schema.StringAttribute{Computed: true, MarkdownDescription: "Bundle name."},
		"entitlement_name": schema.StringAttribute{Computed: true, MarkdownDescription: "Name of the entitlement the bundle belongs to."},
		"region_id":        schema.StringAttribute{Computed: true, MarkdownDescription: "UUID of the bundle's ICA region."},
	}
}

func (d *storageBundlesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every ICA storage bundle of the tenant, optionally of one region.",
		Attributes: map[string]schema.Attribute{
			"region_id": schema.StringAttribute{Optional: true, MarkdownDescription: "Only the bundles of this ICA region (UUID).",
				Validators: []validator.String{uuidValidator("ICA region id", "the ica_region data source's id")}},
			"storage_bundles": schema.ListNestedAttribute{Computed: true, MarkdownDescription: "The bundles, in ICA's order.",
				NestedObject: schema.NestedAttributeObject{Attributes: bundleItemAttributes()}},
		},
	}
}

func bundlesIn(all []ica.StorageBundle, regionID string) []ica.StorageBundle {
	if regionID == "" {
		return all
	}
	var out []ica.StorageBundle
	for _, b := range all {
		if strings.EqualFold(b.Region.ID, regionID) {
			out = append(out, b)
		}
	}
	return out
}

func describeBundles(bundles []ica.StorageBundle) string {
	if len(bundles) == 0 {
		return "none"
	}
	parts := make([]string, len(bundles))
	for i, b := range bundles {
		parts[i] = fmt.Sprintf("%q (%s, region %s)", b.BundleName, b.ID, b.Region.ID)
	}
	return strings.Join(parts, ", ")
}

// pickBundle is the bundle lookup: one bundle of the region, by name when the region has several.
func pickBundle(all []ica.StorageBundle, regionID, name string) (*ica.StorageBundle, error) {
	inRegion := bundlesIn(all, regionID)
	var matches []ica.StorageBundle
	for _, b := range inRegion {
		if name == "" || b.BundleName == name {
			matches = append(matches, b)
		}
	}
	switch {
	case len(matches) == 1:
		return &matches[0], nil
	case len(inRegion) == 0:
		return nil, fmt.Errorf("ICA lists no storage bundle in region %s. The tenant's bundles: %s. Use one of their regions, "+
			"or ask Illumina for a storage entitlement in this region", regionID, describeBundles(all))
	case len(matches) == 0:
		return nil, fmt.Errorf("region %s has no storage bundle named %q. Its bundles: %s. Set bundle_name to one of them",
			regionID, name, describeBundles(inRegion))
	case name == "":
		return nil, fmt.Errorf("region %s has %d storage bundles: %s. Set bundle_name to choose one",
			regionID, len(matches), describeBundles(matches))
	default:
		return nil, fmt.Errorf("region %s has %d storage bundles named %q: %s. Use data.ica_storage_bundles to see them and pass the id to ica_project directly",
			regionID, len(matches), name, describeBundles(matches))
	}
}

func (d *storageBundleDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m storageBundleModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	all, err := d.data.ICA.ListStorageBundles(ctx)
	if err != nil {
		addICAError(&resp.Diagnostics, "list", "storage bundles", "", err)
		return
	}
	name := ""
	if known(m.BundleName) {
		name = m.BundleName.ValueString()
	}
	b, err := pickBundle(all, m.RegionID.ValueString(), name)
	if err != nil {
		resp.Diagnostics.AddError("No single ICA storage bundle matches", err.Error()+".")
		return
	}
	m.ID, m.BundleName, m.EntitlementName = types.StringValue(b.ID), types.StringValue(b.BundleName), types.StringValue(b.EntitlementName)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (d *storageBundlesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m storageBundlesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	all, err := d.data.ICA.ListStorageBundles(ctx)
	if err != nil {
		addICAError(&resp.Diagnostics, "list", "storage bundles", "", err)
		return
	}
	m.StorageBundles = []storageBundleItem{}
	for _, b := range bundlesIn(all, m.RegionID.ValueString()) {
		m.StorageBundles = append(m.StorageBundles, storageBundleItem{ID: types.StringValue(b.ID), BundleName: types.StringValue(b.BundleName),
			EntitlementName: types.StringValue(b.EntitlementName), RegionID: types.StringValue(b.Region.ID)})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
