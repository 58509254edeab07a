package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/naming"
)

const projectHiddenNote = " Changing it creates a new project and **hides** the old one (ICA can neither rename nor delete " +
	"projects); consider `lifecycle { prevent_destroy = true }`."

func projectSchema(ctx context.Context) schema.Schema {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
	}
	return schema.Schema{
		MarkdownDescription: "An ICA project, optionally on self-managed storage (a storage configuration and a subfolder in it). " +
			"ICA cannot delete or rename projects: destroying the resource **hides** the project, and changing `name`, " +
			"`region_id`, `storage_configuration_id` or `storage_configuration_subfolder` creates a new project and hides " +
			"the old one. Updates are a read-modify-write of the whole project guarded by its ETag, so a change made in the " +
			"ICA UI meanwhile fails the apply instead of being overwritten. Create never makes a second project: after a " +
			"lost answer or an interrupted apply it adopts the visible project of that name when its region and storage " +
			"configuration match.",
		Attributes: map[string]schema.Attribute{
			"id": computed("ICA project UUID."),
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Project name: 1 to 255 characters, a letter first, then letters, digits, spaces, `_` and `-`." + projectHiddenNote,
				Validators:          []validator.String{stringFuncValidator("an ICA project name", naming.ValidateProjectName)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"region_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "UUID of the project's ICA region, e.g. `data.ica_region.x.id`." + projectHiddenNote,
				Validators:          []validator.String{uuidValidator("ICA region id", "the ica_region data source's id")},
				PlanModifiers:       []planmodifier.String{replaceIf(sameUUID, "Hides this project and creates another when the region changes.")},
			},
			"storage_bundle_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "UUID of the storage bundle, e.g. `data.ica_storage_bundle.x.id`; it must be in the project's region. Changed in place.",
				Validators:          []validator.String{uuidValidator("ICA storage bundle id", "the ica_storage_bundle data source's id")},
			},
			"billing_mode": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(ica.BillingModeProject),
				MarkdownDescription: "Who pays for the project: `PROJECT` (default) or `TENANT`.",
				Validators:          []validator.String{stringvalidator.OneOf(ica.BillingModeProject, ica.BillingModeTenant)},
			},
			"data_sharing_enabled": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Whether data and samples of this project can be linked to other projects. Default false.",
			},
			"short_description": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Short description, 1 to 4000 characters.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 4000)},
			},
			"information": schema.StringAttribute{Optional: true, MarkdownDescription: "Free-form information about the project."},
			"user_tags": schema.SetAttribute{
				Optional: true, ElementType: types.StringType, MarkdownDescription: "User tags.",
			},
			"technical_tags": schema.SetAttribute{
				Optional: true, ElementType: types.StringType, MarkdownDescription: "Technical tags.",
			},
			"analysis_priority": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(ica.PriorityMedium),
				MarkdownDescription: "Priority of the project's analyses within the tenant: `LOW`, `MEDIUM` (default) or `HIGH`.",
				Validators:          []validator.String{stringvalidator.OneOf("LOW", "MEDIUM", "HIGH")},
			},
			"metadata_model_id": schema.StringAttribute{
				Optional: true, MarkdownDescription: "UUID of the project's metadata model. Changed in place.",
				Validators: []validator.String{uuidValidator("ICA metadata model id", "the id ICA shows for the metadata model")},
			},
			"storage_configuration_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "UUID of the storage configuration for self-managed storage, e.g. `ica_storage_configuration.x.id`. " +
					"It must be in the project's region and `OK` when the project is created." + projectHiddenNote,
				Validators:    []validator.String{uuidValidator("ICA storage configuration id", "the id of an ica_storage_configuration resource or data source")},
				PlanModifiers: []planmodifier.String{replaceIf(sameUUID, "Hides this project and creates another when the storage configuration changes.")},
			},
			"storage_configuration_subfolder": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The project's folder inside the storage configuration's prefix; required with " +
					"`storage_configuration_id`. Normalised like a prefix (`runs` and `runs/` mean the same); the bucket " +
					"root, a leading `/`, `./`, `..` and empty segments are refused at plan time. ICA's documented API does " +
					"not return it, so after import it comes from the configuration without forcing replacement." + projectHiddenNote,
				Validators: []validator.String{stringFuncValidator("a folder", func(s string) error {
					_, err := naming.NormalizeSubfolder(s)
					return err
				})},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(
					func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
						// Null in state with a project in state: imported, and ICA did not say.
						resp.RequiresReplace = !req.StateValue.IsNull() && !sameSubfolder(req.StateValue, req.PlanValue)
					}, "Hides this project and creates another when the subfolder changes.", "Hides this project and creates another when the subfolder changes.")},
			},
			"urn":           computed("The project's URN."),
			"active":        schema.BoolAttribute{Computed: true, MarkdownDescription: "False once the project is hidden.", PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()}},
			"owner_id":      computed("UUID of the user who created the project."),
			"tenant_id":     computed("UUID of the tenant."),
			"time_created":  computed("When the project was created."),
			"time_modified": schema.StringAttribute{Computed: true, MarkdownDescription: "When the project was last changed."},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeoutsBlock(ctx, "Time limits for the project's operations.", timeouts.Opts{
				Create: true, Read: true, Update: true, Delete: true,
				CreateDescription: "How long create may take, as a duration such as `10m`. Default `10m`.",
				ReadDescription:   "How long a refresh may take. Default `10m`.",
				UpdateDescription: "How long an update may take. Default `10m`.",
				DeleteDescription: "How long hiding the project may take. Default `10m`.",
			}),
		},
	}
}
