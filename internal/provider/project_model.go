package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/naming"
)

// projectModel is ica_project's state and plan: the attributes the ica_project data source also has
// (projectLookup), and the timeouts.
type projectModel struct {
	projectLookup
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// projectSpec is what the configuration asks of a project, in ICA's terms.
type projectSpec struct {
	Name, RegionID, StorageConfigurationID, Subfolder string
	update                                            ica.ProjectUpdate
}

func setStrings(ctx context.Context, s types.Set, diags *diag.Diagnostics) []string {
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(s.ElementsAs(ctx, &out, false)...)
	slices.Sort(out)
	return out
}

func optionalString(v types.String) *string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	s := v.ValueString()
	return &s
}

func projectSpecFrom(ctx context.Context, m projectModel, diags *diag.Diagnostics) projectSpec {
	spec := projectSpec{
		Name:                   m.Name.ValueString(),
		RegionID:               strings.ToLower(m.RegionID.ValueString()),
		StorageConfigurationID: strings.ToLower(m.StorageConfigurationID.ValueString()),
		update: ica.ProjectUpdate{
			ShortDescription:   optionalString(m.ShortDescription),
			Information:        optionalString(m.Information),
			BillingMode:        m.BillingMode.ValueString(),
			DataSharingEnabled: m.DataSharingEnabled.ValueBool(),
			Tags:               ica.ProjectTags{UserTags: setStrings(ctx, m.UserTags, diags), TechnicalTags: setStrings(ctx, m.TechnicalTags, diags)},
			StorageBundleID:    strings.ToLower(m.StorageBundleID.ValueString()),
			MetadataModelID:    optionalString(m.MetadataModelID),
			AnalysisPriority:   m.AnalysisPriority.ValueString(),
		},
	}
	if known(m.Subfolder) {
		sub, err := naming.NormalizeSubfolder(m.Subfolder.ValueString())
		if err != nil {
			diags.AddError("Invalid storage_configuration_subfolder", err.Error())
		}
		spec.Subfolder = sub
	}
	return spec
}

func (s projectSpec) createRequest() ica.CreateProject {
	u := s.update
	in := ica.CreateProject{
		Name: s.Name, ShortDescription: u.ShortDescription, Information: u.Information, RegionID: s.RegionID,
		BillingMode: u.BillingMode, DataSharingEnabled: u.DataSharingEnabled, StorageBundleID: u.StorageBundleID,
		MetadataModelID: u.MetadataModelID, AnalysisPriority: &u.AnalysisPriority,
		Tags: &ica.ProjectTags{UserTags: orEmpty(u.Tags.UserTags), TechnicalTags: orEmpty(u.Tags.TechnicalTags)},
	}
	if s.StorageConfigurationID != "" {
		id, sub := s.StorageConfigurationID, s.Subfolder
		in.StorageConfigurationID, in.StorageConfigurationSubfolder = &id, &sub
	}
	return in
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// adoptionVerdict decides what to do with the projects ICA already has under the configured name (found
// after a create that may have happened: an interruption, a lost answer). It returns the project to adopt,
// nil when there is none, or an error that says why none can be adopted and what to do.
func adoptionVerdict(spec projectSpec, found []ica.Project) (*ica.Project, error) {
	var visible []ica.Project
	for _, p := range found {
		if !p.Active {
			return nil, fmt.Errorf("ICA has a hidden project named %q (%s). ICA cannot unhide or delete projects, and the name "+
				"stays taken: choose another name for this project", p.Name, p.ID)
		}
		visible = append(visible, p)
	}
	switch len(visible) {
	case 0:
		return nil, nil
	case 1:
	default:
		ids := make([]string, len(visible))
		for i, p := range visible {
			ids[i] = p.ID
		}
		return nil, fmt.Errorf("ICA has %d projects named %q (%s): import the right one with terraform import, or choose another name",
			len(visible), spec.Name, strings.Join(ids, ", "))
	}
	p := visible[0]
	var diffs []string
	if !strings.EqualFold(p.Region.ID, spec.RegionID) {
		diffs = append(diffs, fmt.Sprintf("region_id is %s in ICA, %s here", p.Region.ID, spec.RegionID))
	}
	if !strings.EqualFold(p.StorageConfigurationID(), spec.StorageConfigurationID) {
		diffs = append(diffs, fmt.Sprintf("storage_configuration_id is %s in ICA, %s here", orNone(p.StorageConfigurationID()), orNone(spec.StorageConfigurationID)))
	}
	if len(diffs) > 0 {
		return nil, fmt.Errorf("ICA already has a project named %q (%s) that differs from this one: %s. ICA cannot change these, so "+
			"the provider does not adopt it: choose another name, or set these attributes to ICA's values and apply again",
			p.Name, p.ID, strings.Join(diffs, "; "))
	}
	return &p, nil
}

func orNone(s string) string {
	if s == "" {
		return "none (ICA's own storage)"
	}
	return s
}

// applyProject copies ICA's view into m. The subfolder is not in the documented API: it stays as m has it
// unless known says ICA told.
func applyProject(ctx context.Context, m *projectModel, p ica.Project, diags *diag.Diagnostics) {
	m.ID = types.StringValue(p.ID)
	m.Name = types.StringValue(p.Name)
	m.RegionID = keepUUIDSpelling(m.RegionID, p.Region.ID)
	if p.StorageBundle != nil {
		m.StorageBundleID = keepUUIDSpelling(m.StorageBundleID, p.StorageBundle.ID)
	}
	m.BillingMode = types.StringValue(p.BillingMode)
	m.DataSharingEnabled = types.BoolValue(p.DataSharingEnabled != nil && *p.DataSharingEnabled)
	m.ShortDescription = stringOrNullPtr(p.ShortDescription)
	m.Information = stringOrNullPtr(p.Information)
	m.UserTags = tagSet(ctx, m.UserTags, p.Tags.UserTags, diags)
	m.TechnicalTags = tagSet(ctx, m.TechnicalTags, p.Tags.TechnicalTags, diags)
	m.AnalysisPriority = types.StringValue(ica.PriorityMedium)
	if p.AnalysisPriority != nil {
		m.AnalysisPriority = types.StringValue(*p.AnalysisPriority)
	}
	m.MetadataModelID = types.StringNull()
	if p.MetadataModel != nil {
		m.MetadataModelID = keepUUIDSpelling(m.MetadataModelID, p.MetadataModel.ID)
	}
	if id := p.StorageConfigurationID(); id != "" {
		m.StorageConfigurationID = keepUUIDSpelling(m.StorageConfigurationID, id)
	} else {
		m.StorageConfigurationID, m.Subfolder = types.StringNull(), types.StringNull()
	}
	m.URN = stringOrNullPtr(p.URN)
	m.Active = types.BoolValue(p.Active)
	m.OwnerID = types.StringValue(p.OwnerID)
	m.TenantID = types.StringValue(p.TenantID)
	m.TimeCreated = types.StringValue(p.TimeCreated)
	m.TimeModified = types.StringValue(p.TimeModified)
}

func keepUUIDSpelling(prior types.String, id string) types.String {
	if known(prior) && strings.EqualFold(prior.ValueString(), id) {
		return prior
	}
	return types.StringValue(id)
}

func stringOrNullPtr(p *string) types.String {
	if p == nil {
		return types.StringNull()
	}
	return types.StringValue(*p)
}

// tagSet is ICA's tags as a set; no tags stay null when the configuration has none.
func tagSet(ctx context.Context, prior types.Set, tags []string, diags *diag.Diagnostics) types.Set {
	if len(tags) == 0 && prior.IsNull() {
		return types.SetNull(types.StringType)
	}
	s, d := types.SetValueFrom(ctx, types.StringType, orEmpty(tags))
	diags.Append(d...)
	return s
}

// sameSubfolder reports whether two subfolder spellings mean the same folder ("runs" and "runs/").
func sameSubfolder(a, b types.String) bool {
	if a.IsUnknown() || b.IsUnknown() {
		return false
	}
	na, errA := naming.NormalizeSubfolder(a.ValueString())
	nb, errB := naming.NormalizeSubfolder(b.ValueString())
	if errA != nil || errB != nil {
		return a.Equal(b)
	}
	return na == nb
}
