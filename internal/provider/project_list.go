package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

var _ list.ListResourceWithConfigure = (*projectList)(nil)

// NewProjectList lists the visible ICA projects (terraform query).
func NewProjectList() list.ListResource { return &projectList{} }

type projectList struct{ listBase }

func (l *projectList) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_project"
}

func (l *projectList) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = nameFilterSchema("project")
	resp.Schema.MarkdownDescription = resp.Schema.Description + " Hidden projects are left out (ICA has no unhide). " +
		"ICA's list does not carry a project's folder in its storage configuration: a generated configuration " +
		"leaves `storage_configuration_subfolder` for you to fill in, and `storage_bundle_id` when ICA does not " +
		"return the bundle. One ICA call (`GET /api/projects`)."
}

func (l *projectList) List(ctx context.Context, req list.ListRequest, resp *list.ListResultsStream) {
	listByName(ctx, &l.listBase, req, resp, "ica_project", "projects",
		func(c *ica.Client, ctx context.Context) ([]ica.Project, error) { return c.ListProjects(ctx, "", false) },
		func(p *ica.Project) (string, string) { return p.ID, p.Name },
		func(p *ica.Project, diags *diag.Diagnostics) any { return listedProject(ctx, p, diags) })
}

// listedProject is the state of a listed project, as an import followed by a refresh makes it, except
// the subfolder (only an undocumented per-project call may say it).
func listedProject(ctx context.Context, p *ica.Project, diags *diag.Diagnostics) *projectModel {
	m := &projectModel{projectLookup: projectLookup{
		StorageBundleID: types.StringNull(), UserTags: types.SetNull(types.StringType), TechnicalTags: types.SetNull(types.StringType),
		StorageConfigurationID: types.StringNull(), Subfolder: types.StringNull(), MetadataModelID: types.StringNull(),
	}}
	m.Timeouts.Object = nullTimeouts(ctx, projectSchema(ctx))
	applyProject(ctx, m, *p, diags)
	return m
}
