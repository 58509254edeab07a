package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

var (
	_ resource.ResourceWithConfigure      = (*storageConfigurationResource)(nil)
	_ resource.ResourceWithValidateConfig = (*storageConfigurationResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*storageConfigurationResource)(nil)
	_ resource.ResourceWithImportState    = (*storageConfigurationResource)(nil)
)

const defaultSettleTimeout = 20 * time.Minute

// NewStorageConfigurationResource returns the ica_storage_configuration resource: a bucket (and prefix)
// that ICA projects in one region can use, reached with an ICA storage credential.
func NewStorageConfigurationResource() resource.Resource { return &storageConfigurationResource{} }

type storageConfigurationResource struct {
	data *ProviderData
	// pollInterval is the first wait between status polls; it grows up to maxPollInterval.
	pollInterval, maxPollInterval time.Duration
}

const configurationUIHint = "ICA has no API to delete or change storage configurations: remove it by hand in the " +
	"ICA UI (Storage → Storage Configurations) if it is no longer needed."

func (r *storageConfigurationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storage_configuration"
}

// replaceIf forces replacement unless same says the planned value means what the state holds.
func replaceIf(same func(a, b types.String) bool, what string) planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !same(req.StateValue, req.PlanValue)
	}, what, what)
}

func (r *storageConfigurationResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceNote := " Changing it creates (or adopts) another configuration; the old one stays in ICA."
	resp.Schema = schema.Schema{
		Description: "An ICA storage configuration: a bucket (and optional prefix) that ICA projects in one ICA region " +
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
				Description: "Configuration name: 3 to 15 characters of `a-z`, `0-9`, `.` and `-`, starting and ending " +
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
				Description: "UUID of the ICA storage credential ICA uses to reach the bucket, e.g. " +
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
				Description: "UUID of the ICA region whose projects use the bucket, e.g. `data.ica_region.x.id`. The " +
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
				Description: "Folder in the bucket that ICA uses, e.g. `ica`; `ica` and `ica/` mean the same (ICA " +
					"stores `ica/`). Leading `/`, `./`, `..` and empty segments are refused. Without it ICA uses the " +
					"whole bucket, which ICA's documentation advises against. The state keeps the spelling it first had (after " +
					"import ICA's, `ica/`); the other spelling plans no change." +
					replaceNote,
				Validators:    []validator.String{prefixValidator()},
				PlanModifiers: []planmodifier.String{replaceIf(samePrefix, "Replaces the configuration when the folder changes.")},
			},
			"sse_algorithm": schema.StringAttribute{
				Optional: true,
				Description: "Server-side encryption ICA asks for when writing: `AES256` (SSE-S3) or `aws:kms` (SSE-KMS), " +
					"compared case-insensitively." + replaceNote,
				Validators:    []validator.String{stringvalidator.OneOfCaseInsensitive(sseAES256, sseKMS)},
				PlanModifiers: []planmodifier.String{replaceIf(sameSSE, "Replaces the configuration when the encryption changes.")},
			},
			"sse_kms_key_arn": schema.StringAttribute{
				Optional: true,
				Description: "ARN of the KMS key for `aws:kms`; only with `sse_algorithm = \"aws:kms\"`. The key must be " +
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
				Description: "Any change asks ICA to validate the configuration again (`:validate`) and, with " +
					"`wait_for_ok`, waits for the result: use it after fixing the AWS side of a configuration in `ERROR`.",
			},
			"wait_for_ok": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				Description: "Wait until ICA has validated the configuration (status leaves `INITIALIZING`), bounded by " +
					"`timeouts`, and fail with ICA's `error_message` when it is `ERROR`. Default true.",
			},
			"status": schema.StringAttribute{
				Computed:      true,
				PlanModifiers: []planmodifier.String{keepStatusUnlessRevalidated()},
				Description: "ICA's validation status: `INITIALIZING`, `OK` or `ERROR`. ICA keeps checking, so it can " +
					"turn `ERROR` later (e.g. when the access key is deleted); a refresh shows that.",
			},
			"error_message": schema.StringAttribute{
				Computed:      true,
				Description:   "Why ICA reports `ERROR`; null otherwise.",
				PlanModifiers: []planmodifier.String{keepStatusUnlessRevalidated()},
			},
			"is_default": schema.BoolAttribute{
				Computed:      true,
				Description:   "Whether this is the tenant's default storage configuration (set in the ICA UI).",
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": settleTimeoutsBlock(ctx),
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

// settleTimeoutsBlock is the timeouts block, described for the registry docs like every other part of
// the schema (the timeouts library leaves the block itself undescribed).
func settleTimeoutsBlock(ctx context.Context) schema.Block {
	block := timeouts.Block(ctx, timeouts.Opts{
		Create: true,
		Read:   true,
		Update: true,
		CreateDescription: "How long create may take, including the wait for ICA's validation (`wait_for_ok`), " +
			"as a duration such as `30m`. Default `20m`.",
		ReadDescription: "How long a refresh may take, as a duration such as `2m`. Default `5m`. Each ICA request " +
			"attempt is also limited by the provider's `request_timeout`.",
		UpdateDescription: "How long an update may take, including the wait for ICA's validation after a " +
			"`revalidate_trigger` change, as a duration such as `30m`. Default `20m`.",
	}).(schema.SingleNestedBlock)
	block.Description = "How long to wait for ICA to validate the configuration, and for a refresh."
	return block
}

func (r *storageConfigurationResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m storageConfigurationModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.SSEKMSKeyARN.IsNull() || m.SSEKMSKeyARN.IsUnknown() || m.SSEAlgorithm.IsUnknown() {
		return
	}
	if !strings.EqualFold(m.SSEAlgorithm.ValueString(), sseKMS) {
		resp.Diagnostics.AddAttributeError(path.Root("sse_kms_key_arn"), "KMS key without aws:kms",
			fmt.Sprintf("sse_kms_key_arn is only used with sse_algorithm = %q (it is %s). Set sse_algorithm = %q, or "+
				"remove sse_kms_key_arn.", sseKMS, describeOptional(m.SSEAlgorithm), sseKMS))
	}
}

func describeOptional(v types.String) string {
	if v.IsNull() {
		return "not set"
	}
	return fmt.Sprintf("%q", v.ValueString())
}

func (r *storageConfigurationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *storageConfigurationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if !requireICACredentials(r.data, "ica_storage_configuration", "manages an ICA storage configuration", &resp.Diagnostics) || req.State.Raw.IsNull() {
		return
	}
	var state, plan storageConfigurationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	refuseUnshare("shared", state.Shared, plan.Shared, "storage configuration", state.Name.ValueString(), &resp.Diagnostics)
	// "ica" and "ica/", "AES256" and "aes256" mean the same: keep the state's spelling, so that a spelling
	// change (or ICA's spelling after import) plans nothing.
	keptPrefix := keepEquivalent(&plan.Prefix, state.Prefix, samePrefix)
	keptSSE := keepEquivalent(&plan.SSEAlgorithm, state.SSEAlgorithm, sameSSE)
	if keptPrefix || keptSSE {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	}
	if changed := replacedAttributes(state, plan); len(changed) > 0 {
		resp.Diagnostics.AddWarning("The old ICA storage configuration stays in ICA",
			fmt.Sprintf("Changing %s replaces the ICA storage configuration %q (%s), but ICA has no delete API: the old "+
				"configuration stays in ICA. %s", strings.Join(changed, ", "), state.Name.ValueString(),
				state.ID.ValueString(), configurationUIHint))
	}
}

// replacedAttributes names the attributes whose change forces a new configuration; it mirrors the
// attributes' plan modifiers.
func replacedAttributes(state, plan storageConfigurationModel) []string {
	var out []string
	check := func(name string, differs bool) {
		if differs {
			out = append(out, name)
		}
	}
	check("name", !plan.Name.Equal(state.Name))
	check("description", !sameOptional(state.Description, plan.Description))
	check("credential_id", !state.CredentialID.IsNull() && !sameUUID(state.CredentialID, plan.CredentialID))
	check("region_id", !sameUUID(state.RegionID, plan.RegionID))
	check("bucket", !plan.Bucket.Equal(state.Bucket))
	check("prefix", !samePrefix(state.Prefix, plan.Prefix))
	check("sse_algorithm", !sameSSE(state.SSEAlgorithm, plan.SSEAlgorithm))
	check("sse_kms_key_arn", !plan.SSEKMSKeyARN.Equal(state.SSEKMSKeyARN))
	return out
}

func (r *storageConfigurationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan storageConfigurationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultSettleTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	spec, err := specFromModel(plan)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("prefix"), "Invalid prefix", err.Error())
		return
	}
	client := r.data.ICA

	sc, adopted := r.adopt(ctx, spec, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !adopted {
		created, err := client.CreateStorageConfiguration(ctx, spec.createRequest())
		switch {
		case ica.IsConflict(err):
			if sc, adopted = r.adopt(ctx, spec, &resp.Diagnostics); !adopted && !resp.Diagnostics.HasError() {
				addICAError(&resp.Diagnostics, "create", "storage configuration", spec.Name, err)
			}
		case err != nil:
			addICAError(&resp.Diagnostics, "create", "storage configuration", spec.Name, err)
		default:
			sc = created
		}
		if resp.Diagnostics.HasError() {
			return
		}
	}

	if plan.Shared.ValueBool() {
		if err := client.ShareStorageConfiguration(ctx, sc.ID); err != nil {
			addICAError(&resp.Diagnostics, "share", "storage configuration", spec.Name, err)
			return
		}
	}

	if plan.WaitForOK.ValueBool() {
		settled, err := r.waitSettled(ctx, sc.ID)
		if err != nil {
			r.addSettleError(&resp.Diagnostics, spec.Name, sc.ID, timeout, err)
			return
		}
		sc = settled
	} else if fresh, err := client.GetStorageConfiguration(ctx, sc.ID); err == nil {
		sc = fresh
	}

	plan.ID = types.StringValue(sc.ID)
	applyStatus(&plan, *sc)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// adopt looks for an existing configuration named like spec. A match (same bucket, prefix, region and
// encryption) is validated again and adopted: ICA cannot delete configurations, so destroy-then-create
// must not pile them up. A configuration that differs is an error, since ICA cannot change it.
func (r *storageConfigurationResource) adopt(ctx context.Context, spec storageSpec, diags *diag.Diagnostics) (*ica.StorageConfiguration, bool) {
	all, err := r.data.ICA.ListStorageConfigurations(ctx)
	if err != nil {
		addICAError(diags, "list", "storage configurations", "", err)
		return nil, false
	}
	var existing *ica.StorageConfigurationWithDetails
	for i := range all {
		if all[i].Name == spec.Name {
			existing = &all[i]
			break
		}
	}
	if existing == nil {
		return nil, false
	}
	details := existing.StorageConfigurationDetails
	if details == nil || details.AWSS3 == nil {
		// The list did not carry the bucket: ask for the details.
		d, err := r.data.ICA.GetStorageConfigurationDetails(ctx, existing.ID)
		if err != nil {
			addICAError(diags, "read the details of", "storage configuration", spec.Name, err)
			return nil, false
		}
		if details != nil && details.StorageCredential != nil && d.StorageCredential == nil {
			d.StorageCredential = details.StorageCredential
		}
		details = d
	}
	if diffs := spec.differences(specFromICA(existing.StorageConfiguration, details)); len(diffs) > 0 {
		diags.AddAttributeError(path.Root("name"), "An ICA storage configuration with this name already exists",
			fmt.Sprintf("ICA already has a storage configuration named %q (%s) that differs from this one: %s. ICA "+
				"cannot change or delete it, so the provider cannot adopt it. Choose another name, or set these "+
				"attributes to ICA's values.", spec.Name, existing.ID, strings.Join(diffs, "; ")))
		return nil, false
	}
	if err := r.data.ICA.ValidateStorageConfiguration(ctx, existing.ID); err != nil {
		addICAError(diags, "validate", "storage configuration", spec.Name, err)
		return nil, false
	}
	diags.AddWarning("Adopted an existing ICA storage configuration",
		fmt.Sprintf("ICA already had a storage configuration named %q (%s) with this bucket, prefix, region and "+
			"encryption, probably from an earlier apply (ICA cannot delete configurations). The provider now manages "+
			"it and has asked ICA to validate it again.", spec.Name, existing.ID))
	sc := existing.StorageConfiguration
	return &sc, true
}

// errStillInitializing is returned when the context ends while ICA is still validating.
var errStillInitializing = errors.New("ICA is still validating the storage configuration")

// waitSettled polls until the status leaves INITIALIZING, with a growing interval, until ctx ends. An
// ERROR status is returned as an error carrying ICA's errorMessage.
func (r *storageConfigurationResource) waitSettled(ctx context.Context, id string) (*ica.StorageConfiguration, error) {
	interval, maxInterval := r.pollInterval, r.maxPollInterval
	if interval <= 0 {
		interval = time.Second
	}
	if maxInterval <= 0 {
		maxInterval = 15 * time.Second
	}
	start := time.Now()
	for {
		sc, err := r.data.ICA.GetStorageConfiguration(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return nil, errStillInitializing
			}
			return nil, err
		}
		switch sc.Status {
		case ica.StatusInitializing:
			tflog.Info(ctx, "ICA is still validating the storage configuration", map[string]any{
				"storage_configuration_id": id, "name": sc.Name, "status": sc.Status,
				"waited": time.Since(start).Round(time.Millisecond).String(), "next_check_in": interval.String(),
			})
		case ica.StatusError:
			return sc, &settleError{message: deref(sc.ErrorMessage)}
		default:
			return sc, nil
		}
		select {
		case <-ctx.Done():
			return sc, errStillInitializing
		case <-time.After(interval):
		}
		interval = min(interval*3/2, maxInterval)
	}
}

// settleError is ICA's verdict that a configuration does not work.
type settleError struct{ message string }

func (e *settleError) Error() string {
	if e.message == "" {
		return "ICA reports status ERROR without a message"
	}
	return e.message
}

func (r *storageConfigurationResource) addSettleError(diags *diag.Diagnostics, name, id string, timeout time.Duration, err error) {
	var se *settleError
	switch {
	case errors.As(err, &se):
		diags.AddError("ICA could not validate the storage configuration",
			fmt.Sprintf("ICA reports the storage configuration %q (%s) in ERROR: %s. Fix the bucket, prefix, "+
				"encryption or the credential's access key in AWS, then apply again (the configuration stays in ICA and "+
				"the next apply validates it again).", name, id, strings.TrimSuffix(se.message, ".")))
	case errors.Is(err, errStillInitializing):
		diags.AddError("Timed out waiting for ICA to validate the storage configuration",
			fmt.Sprintf("The storage configuration %q (%s) was still INITIALIZING after %s. It stays in ICA: apply again "+
				"(it is validated again), raise timeouts, or set wait_for_ok = false.", name, id, timeout))
	default:
		addICAError(diags, "read", "storage configuration", name, err)
	}
}

func (r *storageConfigurationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state storageConfigurationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := r.data.ICA
	id := state.ID.ValueString()
	sc, err := client.GetStorageConfiguration(ctx, id)
	var details *ica.StorageConfigurationDetails
	if err == nil {
		details, err = client.GetStorageConfigurationDetails(ctx, id)
	}
	if ica.IsNotFound(err) {
		resp.Diagnostics.AddWarning("ICA storage configuration is gone",
			fmt.Sprintf("The ICA storage configuration %q (%s) no longer exists in ICA; the next apply creates it again.",
				state.Name.ValueString(), id))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addICAError(&resp.Diagnostics, "read", "storage configuration", id, err)
		return
	}
	if state.CredentialID.IsNull() && details.StorageCredential == nil {
		// Imported: only the list may say (undocumented) which credential the configuration uses.
		details.StorageCredential = r.credentialFromList(ctx, id)
	}
	applyICA(&state, *sc, details)
	if state.Shared.IsNull() {
		state.Shared = types.BoolValue(false)
	}
	if state.WaitForOK.IsNull() {
		state.WaitForOK = types.BoolValue(true)
	}
	if sc.Status == ica.StatusError {
		resp.Diagnostics.AddWarning("ICA reports the storage configuration in ERROR",
			fmt.Sprintf("ICA reports the storage configuration %q (%s) in ERROR: %s. Fix the AWS side, then change "+
				"revalidate_trigger to have ICA validate it again.", sc.Name, sc.ID, strings.TrimSuffix(deref(sc.ErrorMessage), ".")))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// credentialFromList returns the undocumented storageCredential of configuration id from the list,
// or nil when ICA does not say.
func (r *storageConfigurationResource) credentialFromList(ctx context.Context, id string) *ica.StorageCredentialRef {
	all, err := r.data.ICA.ListStorageConfigurations(ctx)
	if err != nil {
		return nil
	}
	for _, c := range all {
		if c.ID == id && c.StorageConfigurationDetails != nil {
			return c.StorageConfigurationDetails.StorageCredential
		}
	}
	return nil
}

func (r *storageConfigurationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state storageConfigurationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultSettleTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	client := r.data.ICA
	id, name := state.ID.ValueString(), state.Name.ValueString()
	plan.ID = state.ID
	// The plan keeps the known status unless ICA validates again (keepStatusUnlessRevalidated); the
	// result must match it, so a change ICA made meanwhile shows at the next refresh.
	revalidate := !plan.RevalidateTrigger.Equal(state.RevalidateTrigger)
	plan.Status, plan.ErrorMessage, plan.IsDefault = state.Status, state.ErrorMessage, state.IsDefault

	if plan.Shared.ValueBool() && !state.Shared.ValueBool() {
		if err := client.ShareStorageConfiguration(ctx, id); err != nil {
			addICAError(&resp.Diagnostics, "share", "storage configuration", name, err)
			return
		}
	}

	if revalidate {
		if err := client.ValidateStorageConfiguration(ctx, id); err != nil {
			addICAError(&resp.Diagnostics, "validate", "storage configuration", name, err)
			plan.RevalidateTrigger = state.RevalidateTrigger
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			return
		}
		var sc *ica.StorageConfiguration
		if plan.WaitForOK.ValueBool() {
			settled, err := r.waitSettled(ctx, id)
			if settled != nil {
				setStatus(&plan, *settled)
			}
			if err != nil {
				r.addSettleError(&resp.Diagnostics, name, id, timeout, err)
				// Keep the old trigger so that the next apply validates again.
				plan.RevalidateTrigger = state.RevalidateTrigger
				resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
				return
			}
			sc = settled
		} else {
			fresh, err := client.GetStorageConfiguration(ctx, id)
			if err != nil {
				addICAError(&resp.Diagnostics, "read", "storage configuration", name, err)
				return
			}
			sc = fresh
		}
		setStatus(&plan, *sc)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *storageConfigurationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state storageConfigurationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.AddWarning("ICA storage configuration left in ICA",
		fmt.Sprintf("The ICA storage configuration %q (%s) was removed from Terraform state but still exists in ICA. "+
			"Applying the same configuration again adopts it. %s", state.Name.ValueString(), state.ID.ValueString(),
			configurationUIHint))
}

func (r *storageConfigurationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !uuidPattern.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("%q is not a storage configuration UUID. Import by UUID, e.g. terraform import "+
				"ica_storage_configuration.x 0f8fad5b-d9cb-469f-a165-70867728950e (the UUID is in the ICA UI and in "+
				"GET /api/storageConfigurations).", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("shared"), false)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait_for_ok"), true)...)
}
