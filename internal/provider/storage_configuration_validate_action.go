package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaobjects"
)

var _ action.ActionWithConfigure = (*storageConfigurationValidateAction)(nil)

// NewStorageConfigurationValidateAction returns the ica_storage_configuration_validate action: ICA's
// :validate of one storage configuration, waiting for the verdict (Terraform >= 1.14).
func NewStorageConfigurationValidateAction() action.Action {
	return &storageConfigurationValidateAction{progressEvery: 5 * time.Second}
}

type storageConfigurationValidateAction struct {
	data *ProviderData
	// progressEvery is how often a progress message says ICA is still validating.
	progressEvery time.Duration
}

type storageConfigurationValidateModel struct {
	ID       types.String   `tfsdk:"id"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (a *storageConfigurationValidateAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storage_configuration_validate"
}

func (a *storageConfigurationValidateAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Asks ICA to validate a storage configuration again (`:validate`) and waits until ICA settles: " +
			"succeeds on `OK`, fails with ICA's error message on `ERROR`, and reports progress while ICA is still " +
			"`INITIALIZING`. Run it with `terraform apply -invoke=action.ica_storage_configuration_validate.NAME`, or " +
			"from an `action_trigger` (e.g. after a key rotation). Needs Terraform >= 1.14; with older versions, " +
			"change the resource's `revalidate_trigger` instead.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "UUID of the ICA storage configuration, e.g. `ica_storage_configuration.x.id`.",
				Validators:          []validator.String{uuidValidator("ICA storage configuration id", "ica_storage_configuration.x.id")},
			},
		},
		Blocks: map[string]schema.Block{"timeouts": validateTimeoutsBlock(ctx)},
	}
}

// validateTimeoutsBlock is the timeouts library's block, described like timeoutsBlock does for resources.
func validateTimeoutsBlock(ctx context.Context) schema.Block {
	block := timeouts.BlockWithOpts(ctx, timeouts.Opts{
		InvokeDescription: "How long to wait for ICA's verdict, as a duration such as `30m`. Default `20m`.",
	}).(schema.SingleNestedBlock)
	for name, a := range block.Attributes {
		if s, ok := a.(schema.StringAttribute); ok {
			s.MarkdownDescription, s.Description = s.Description, ""
			block.Attributes[name] = s
		}
	}
	block.Description = "How long to wait for ICA to validate the configuration."
	return block
}

func (a *storageConfigurationValidateAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *storageConfigurationValidateAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m storageConfigurationValidateModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() ||
		!requireICACredentials(a.data, "ica_storage_configuration_validate", "validates an ICA storage configuration", &resp.Diagnostics) {
		return
	}
	timeout, diags := m.Timeouts.Invoke(ctx, defaultSettleTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	id := m.ID.ValueString()
	sc, err := a.data.ICA.GetStorageConfiguration(ctx, id)
	if err != nil {
		addICAError(&resp.Diagnostics, "read", "storage configuration", id, err)
		return
	}
	if err := a.data.ICA.ValidateStorageConfiguration(ctx, id); err != nil {
		addICAError(&resp.Diagnostics, "validate", "storage configuration", sc.Name, err)
		return
	}
	progress(resp, fmt.Sprintf("ICA is validating the storage configuration %q (%s)", sc.Name, id))

	// The resource's wait (polls with a growing interval) runs aside, so that progress keeps coming
	// at a steady pace whatever the poll interval has grown to.
	waiter := &storageConfigurationResource{data: a.data}
	type verdict struct {
		sc  *ica.StorageConfiguration
		err error
	}
	done := make(chan verdict, 1)
	go func() {
		settled, err := waiter.waitSettled(ctx, id)
		done <- verdict{settled, err}
	}()
	start := time.Now()
	tick := time.NewTicker(a.progressEvery)
	defer tick.Stop()
	for {
		select {
		case v := <-done:
			var se *icaobjects.SettleError
			switch {
			case errors.As(v.err, &se):
				resp.Diagnostics.AddError("ICA could not validate the storage configuration",
					fmt.Sprintf("ICA reports the storage configuration %q (%s) in ERROR: %s. Fix the bucket, prefix, "+
						"encryption or the credential's access key in AWS, then run the action again.",
						sc.Name, id, strings.TrimSuffix(se.Message, ".")))
				return
			case v.err != nil:
				waiter.addSettleError(&resp.Diagnostics, sc.Name, id, timeout, v.err)
				return
			}
			progress(resp, fmt.Sprintf("ICA reports the storage configuration %q (%s) %s", sc.Name, id, v.sc.Status))
			return
		case <-tick.C:
			progress(resp, fmt.Sprintf("ICA is still validating the storage configuration %q (%s) after %s",
				sc.Name, id, time.Since(start).Round(time.Second)))
		}
	}
}

func progress(resp *action.InvokeResponse, msg string) {
	if resp.SendProgress != nil {
		resp.SendProgress(action.InvokeProgressEvent{Message: msg})
	}
}
