package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/icaobjects"
)

// storageConfigurationSchemaV0 is version 0 of the ica_storage_configuration schema (a function, so
// that a later version's UpgradeState can refer to it).
func storageConfigurationSchemaV0(ctx context.Context) schema.Schema {
	replaceNote := " Changing it creates (or adopts) another configuration; the old one stays in ICA."
	return schema.Schema{
		MarkdownDescription: "An ICA storage configuration: a bucket (and optional prefix) that ICA projects in one ICA region " +
			"can use, reached with an ICA storage credential. ICA validates it asynchronously (status `INITIALIZING`, " +
			"then `OK` or `ERROR`); by default the apply waits for that. ICA has no update or delete API: every " +
			"setting forces a new configuration, destroying it only removes it from Terraform state (with a warning), " +
			"and creating one whose name already exists in ICA with the same bucket, prefix, region and encryption " +
			"adopts it and re-validates it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "ICA storage configuration UUID.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Configuration name: 3 to 15 characters of `a-z`, `0-9`, `.` and `-`, starting and ending " +
					"with a letter or digit." + replaceNote,
				Validators:    []validator.String{storageConfigurationNameValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				Optional:      true,
				Description:   "Free text shown in ICA, up to 1000 characters." + replaceNote,
				Validators:    []validator.String{stringvalidator.LengthAtMost(1000)},
				PlanModifiers: []planmodifier.String{replaceIf(sameOptional, "Replaces the configuration when the description changes.")},
			},
			"credential_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "UUID of the ICA storage credential ICA uses to reach the bucket, e.g. " +
					"`ica_secret_credential.x.id` or `ica_s3_connection.x.credential_id`." + replaceNote +
					" ICA does not document which credential an existing configuration uses, so after import this " +
					"comes from the configuration without forcing replacement.",
				Validators: []validator.String{uuidValidator("ICA storage credential id", "the id of an ica_secret_credential or ica_s3_connection resource")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(
					func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
						// Null in state: imported, and ICA did not say which credential it uses.
						resp.RequiresReplace = !req.StateValue.IsNull() && !sameUUID(req.StateValue, req.PlanValue)
					}, "Replaces the configuration when the credential changes.", "Replaces the configuration when the credential changes.")},
			},
			"region_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "UUID of the ICA region whose projects use the bucket, e.g. `data.ica_region.x.id`. The " +
					"bucket (and KMS key) must be in that region's AWS region." + replaceNote,
				Validators:    []validator.String{uuidValidator("ICA region id", "the ica_region data source's id")},
				PlanModifiers: []planmodifier.String{replaceIf(sameUUID, "Replaces the configuration when the region changes.")},
			},
			"bucket": schema.StringAttribute{
				Required:      true,
				Description:   "Name of the S3 bucket." + replaceNote,
				Validators:    []validator.String{bucketNameValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"prefix": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Folder in the bucket that ICA uses, e.g. `ica`; `ica` and `ica/` mean the same (ICA " +
					"stores `ica/`). Leading `/`, `./`, `..` and empty segments are refused. Without it ICA uses the " +
					"whole bucket, which ICA's documentation advises against. The state keeps the spelling it first had (after " +
					"import ICA's, `ica/`); the other spelling plans no change." +
					replaceNote,
				Validators:    []validator.String{prefixValidator()},
				PlanModifiers: []planmodifier.String{replaceIf(samePrefix, "Replaces the configuration when the folder changes.")},
			},
			"sse_algorithm": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Server-side encryption ICA asks for when writing: `AES256` (SSE-S3) or `aws:kms` (SSE-KMS), " +
					"compared case-insensitively." + replaceNote,
				Validators:    []validator.String{stringvalidator.OneOfCaseInsensitive(icaobjects.SSEAES256, icaobjects.SSEKMS)},
				PlanModifiers: []planmodifier.String{replaceIf(sameSSE, "Replaces the configuration when the encryption changes.")},
			},
			"sse_kms_key_arn": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "ARN of the KMS key for `aws:kms`; only with `sse_algorithm = \"aws:kms\"`. The key must be " +
					"in the bucket's region." + replaceNote,
				Validators:    []validator.String{kmsKeyARNValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"shared": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				Description: "Share the configuration with every user of the tenant. ICA cannot unshare: changing it " +
					"from true to false is refused at plan time.",
			},
			"revalidate_trigger": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Any change asks ICA to validate the configuration again (`:validate`) and, with " +
					"`wait_for_ok`, waits for the result: use it after fixing the AWS side of a configuration in `ERROR`.",
			},
			"wait_for_ok": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Wait until ICA has validated the configuration (status leaves `INITIALIZING`), bounded by " +
					"`timeouts`, and fail with ICA's `error_message` when it is `ERROR`. Default true.",
			},
			"status": schema.StringAttribute{
				Computed:      true,
				PlanModifiers: []planmodifier.String{keepStatusUnlessRevalidated()},
				MarkdownDescription: "ICA's validation status: `INITIALIZING`, `OK` or `ERROR`. ICA keeps checking, so it can " +
					"turn `ERROR` later (e.g. when the access key is deleted); a refresh shows that.",
			},
			"error_message": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Why ICA reports `ERROR`; null otherwise.",
				PlanModifiers:       []planmodifier.String{keepStatusUnlessRevalidated()},
			},
			"is_default": schema.BoolAttribute{
				Computed:      true,
				Description:   "Whether this is the tenant's default storage configuration (set in the ICA UI).",
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeoutsBlock(ctx, "How long to wait for ICA to validate the configuration, and for a refresh.", timeouts.Opts{
				Create: true,
				Read:   true,
				Update: true,
				CreateDescription: "How long create may take, including the wait for ICA's validation (`wait_for_ok`), " +
					"as a duration such as `30m`. Default `20m`.",
				ReadDescription: "How long a refresh may take, as a duration such as `2m`. Default `5m`. Each ICA request " +
					"attempt is also limited by the provider's `request_timeout`.",
				UpdateDescription: "How long an update may take, including the wait for ICA's validation after a " +
					"`revalidate_trigger` change, as a duration such as `30m`. Default `20m`.",
			}),
		},
	}
}

// keepStatusUnlessRevalidated plans status and error_message as they are in state unless
// revalidate_trigger changes: an in-place update such as sharing leaves ICA's verdict alone, so the plan
// should not show it as unknown. Replacements are planned as creates, where the value stays unknown.
func keepStatusUnlessRevalidated() planmodifier.String { return keepStatusModifier{} }

type keepStatusModifier struct{}

func (keepStatusModifier) Description(context.Context) string {
	return "Keeps the known value unless revalidate_trigger changes."
}

func (m keepStatusModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (keepStatusModifier) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || !req.PlanValue.IsUnknown() {
		return
	}
	var planned, prior types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("revalidate_trigger"), &planned)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("revalidate_trigger"), &prior)...)
	if !resp.Diagnostics.HasError() && planned.Equal(prior) {
		resp.PlanValue = req.StateValue
	}
}
