package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

var (
	_ resource.ResourceWithConfigure      = (*projectResource)(nil)
	_ resource.ResourceWithValidateConfig = (*projectResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*projectResource)(nil)
	_ resource.ResourceWithImportState    = (*projectResource)(nil)
)

const (
	defaultProjectTimeout = 10 * time.Minute
	// privateETag is the private-state key of the ETag the last refresh saw; an update checks it.
	privateETag = "etag"
)

// NewProjectResource returns the ica_project resource.
func NewProjectResource() resource.Resource { return &projectResource{} }

type projectResource struct {
	data *ProviderData
}

func (r *projectResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_project"
}

func (r *projectResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = projectSchema(ctx)
}

func (r *projectResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *projectResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m projectModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	switch {
	case !m.StorageConfigurationID.IsNull() && m.Subfolder.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("storage_configuration_subfolder"), "Subfolder required",
			"A project on a storage configuration needs storage_configuration_subfolder: a project on the configuration's root "+
				"blocks it for every other project (ICA's API documentation). Set a folder such as \"project-a\".")
	case m.StorageConfigurationID.IsNull() && !m.Subfolder.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("storage_configuration_subfolder"), "Subfolder without a storage configuration",
			"storage_configuration_subfolder is a folder of the storage configuration: set storage_configuration_id too, or remove it.")
	}
}

func (r *projectResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan projectModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultProjectTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	spec := projectSpecFrom(ctx, plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.data.ICA
	if spec.StorageConfigurationID != "" && !r.configurationReady(ctx, spec, &resp.Diagnostics) {
		return
	}

	// A create may already have happened (an interrupted apply, a lost answer): look first.
	p, adopted := r.adopt(ctx, spec, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var etag string
	if !adopted {
		created, createdETag, err := client.CreateProject(ctx, spec.createRequest())
		if err != nil {
			if !ambiguous(err) {
				addICAError(&resp.Diagnostics, "create", "project", spec.Name, err)
				return
			}
			// ICA may have made it: find it rather than POST again.
			if p, adopted = r.adopt(ctx, spec, &resp.Diagnostics); !adopted {
				if !resp.Diagnostics.HasError() {
					addICAError(&resp.Diagnostics, "create", "project", spec.Name, err)
				}
				return
			}
		} else {
			p, etag = created, createdETag
		}
	}
	if adopted {
		updated, updatedETag, err := client.UpdateProject(ctx, p.ID, "", spec.update)
		if err != nil {
			addICAError(&resp.Diagnostics, "update the adopted", "project", spec.Name, err)
			return
		}
		p, etag = updated, updatedETag
	}
	applyProject(ctx, &plan, *p, &resp.Diagnostics)
	setPrivateETag(ctx, resp.Private, etag, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// ambiguous reports whether a failed create may have happened: no answer, or a server error.
func ambiguous(err error) bool {
	var apiErr *ica.APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode >= 500
	}
	return !errors.Is(err, ica.ErrNoCredentials)
}

// configurationReady fails before anything is created when the storage configuration is not OK or is
// in another region.
func (r *projectResource) configurationReady(ctx context.Context, spec projectSpec, diags *diag.Diagnostics) bool {
	sc, err := r.data.ICA.GetStorageConfiguration(ctx, spec.StorageConfigurationID)
	if err != nil {
		addICAError(diags, "read", "storage configuration", spec.StorageConfigurationID, err)
		return false
	}
	if !strings.EqualFold(sc.Region.ID, spec.RegionID) {
		diags.AddAttributeError(path.Root("storage_configuration_id"), "Storage configuration in another region",
			fmt.Sprintf("The storage configuration %q (%s) is in ICA region %s, but the project %q is in region %s: use a storage "+
				"configuration of the project's region.", sc.Name, sc.ID, sc.Region.ID, spec.Name, spec.RegionID))
		return false
	}
	if sc.Status != ica.StatusOK {
		diags.AddAttributeError(path.Root("storage_configuration_id"), "Storage configuration not OK",
			fmt.Sprintf("The storage configuration %q (%s) is %s, so the project %q was not created: %s. Fix the bucket or the "+
				"credential's key, have ICA validate the configuration again (its revalidate_trigger), then apply again.",
				sc.Name, sc.ID, sc.Status, spec.Name, strings.TrimSuffix(orText(deref(sc.ErrorMessage), "ICA gave no message"), ".")))
		return false
	}
	return true
}

func orText(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// adopt finds the project by exact name and returns it when it may be adopted; an error diagnostic
// when one exists that cannot be.
func (r *projectResource) adopt(ctx context.Context, spec projectSpec, diags *diag.Diagnostics) (*ica.Project, bool) {
	found, err := r.data.ICA.FindProjectsByName(ctx, spec.Name)
	if err != nil {
		addICAError(diags, "list", "projects", "", err)
		return nil, false
	}
	p, err := adoptionVerdict(spec, found)
	if err != nil {
		diags.AddAttributeError(path.Root("name"), "An ICA project with this name already exists", err.Error()+".")
		return nil, false
	}
	if p == nil {
		return nil, false
	}
	diags.AddWarning("Adopted an existing ICA project",
		fmt.Sprintf("ICA already had a visible project named %q (%s) in this region on this storage configuration, probably "+
			"from an interrupted apply or a create whose answer was lost. The provider now manages it instead of creating a second one.",
			p.Name, p.ID))
	return p, true
}

func (r *projectResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state projectModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, defaultProjectTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id := state.ID.ValueString()
	p, etag, err := r.data.ICA.GetProject(ctx, id)
	if ica.IsNotFound(err) {
		resp.Diagnostics.AddWarning("ICA project is gone",
			fmt.Sprintf("The ICA project %q (%s) no longer exists in ICA; the next apply creates it again.", state.Name.ValueString(), id))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addICAError(&resp.Diagnostics, "read", "project", id, err)
		return
	}
	if !p.Active {
		resp.Diagnostics.AddWarning("ICA project was hidden outside Terraform",
			fmt.Sprintf("The ICA project %q (%s) is hidden (in the ICA UI or by another tool). ICA has no unhide, so the provider "+
				"forgets it; the next apply fails on the taken name unless you choose another.", p.Name, id))
		resp.State.RemoveResource(ctx)
		return
	}
	if state.Subfolder.IsNull() && p.StorageConfigurationID() != "" {
		// Imported: only the undocumented endpoint may say; unknown stays null (configuration wins).
		if sub, ok, err := r.data.ICA.ProjectSubfolder(ctx, id); err == nil && ok {
			state.Subfolder = types.StringValue(sub)
		}
	}
	applyProject(ctx, &state, *p, &resp.Diagnostics)
	if state.BillingMode.IsNull() {
		state.BillingMode = types.StringValue(ica.BillingModeProject)
	}
	setPrivateETag(ctx, resp.Private, etag, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *projectResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state projectModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultProjectTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	spec := projectSpecFrom(ctx, plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = state.ID
	if !projectFieldsChanged(state, plan) {
		// Only what ICA does not hold changes (timeouts, the subfolder recorded after an import).
		plan.URN, plan.Active, plan.OwnerID, plan.TenantID = state.URN, state.Active, state.OwnerID, state.TenantID
		plan.TimeCreated, plan.TimeModified = state.TimeCreated, state.TimeModified
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	var etag string
	raw, d := req.Private.GetKey(ctx, privateETag)
	resp.Diagnostics.Append(d...)
	if len(raw) > 0 {
		etag, _ = strconv.Unquote(string(raw))
	}
	p, newETag, err := r.data.ICA.UpdateProject(ctx, state.ID.ValueString(), etag, spec.update)
	var changed *ica.ErrProjectChanged
	if errors.As(err, &changed) {
		resp.Diagnostics.AddError("ICA project changed outside Terraform",
			fmt.Sprintf("%s. Nothing was changed.", strings.TrimSuffix(err.Error(), ".")))
		return
	}
	if err != nil {
		addICAError(&resp.Diagnostics, "update", "project", state.Name.ValueString(), err)
		return
	}
	applyProject(ctx, &plan, *p, &resp.Diagnostics)
	// The next update must compare with this ETag, also when it is planned without a refresh.
	setPrivateETag(ctx, resp.Private, newETag, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// privateState is the private-state store of a response (resource.*Response.Private).
type privateState interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// setPrivateETag remembers the project's ETag for the next update; an empty one (ICA sent none) clears it.
func setPrivateETag(ctx context.Context, private privateState, etag string, diags *diag.Diagnostics) {
	value := []byte(strconv.Quote(etag))
	if etag == "" {
		value = nil
	}
	diags.Append(private.SetKey(ctx, privateETag, value)...)
}

func (r *projectResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state projectModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultProjectTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	name, id := state.Name.ValueString(), state.ID.ValueString()
	if err := r.data.ICA.HideProject(ctx, id); err != nil && !ica.IsNotFound(err) {
		addICAError(&resp.Diagnostics, "hide", "project", name, err)
		return
	}
	resp.Diagnostics.AddWarning("ICA project hidden, not deleted",
		fmt.Sprintf("The ICA project %q (%s) is now hidden: ICA cannot delete projects. It and its data stay in ICA (list it with "+
			"includeHiddenProjects), ICA has no unhide, and its name stays taken.", name, id))
}

func (r *projectResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !uuidPattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("%q is not a project UUID. Import by UUID, e.g. terraform import ica_project.x "+
				"0f8fad5b-d9cb-469f-a165-70867728950e (the UUID is in the ICA UI and in GET /api/projects).", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}
