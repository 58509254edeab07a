package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

// List resources (terraform query, Terraform >= 1.14): what exists in ICA and AWS, with the identity an
// import block takes and, when asked (terraform query -generate-config-out), the state a configuration is
// generated from. ICA cannot delete credentials, storage configurations or projects, so they pile up and
// finding them is the first step of bringing a tenant under Terraform.

var (
	_ list.ListResourceWithConfigure = (*secretCredentialList)(nil)
	_ list.ListResourceWithConfigure = (*storageConfigurationList)(nil)
	_ list.ListResourceWithConfigure = (*s3ConnectionList)(nil)
)

// listBase is what every list resource of this provider shares: the provider data.
type listBase struct{ data *ProviderData }

func (l *listBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// nameFilterSchema is the config block of the lists that filter on an exact name.
func nameFilterSchema(kind string) listschema.Schema {
	return listschema.Schema{
		Description: fmt.Sprintf("Lists the ICA %ss visible to the provider's ICA credentials.", kind),
		Attributes: map[string]listschema.Attribute{
			"name": listschema.StringAttribute{
				Optional:    true,
				Description: fmt.Sprintf("Only the %s with exactly this name (case-sensitive).", kind),
			},
		},
	}
}

type nameFilter struct {
	Name types.String `tfsdk:"name"`
}

func (f nameFilter) matches(name string) bool { return f.Name.IsNull() || f.Name.ValueString() == name }

// pusher pushes results until Terraform's limit or until Terraform stops reading.
type pusher struct {
	push  func(list.ListResult) bool
	limit int64
	n     int64
}

func (p *pusher) send(r list.ListResult) bool {
	p.n++
	return p.push(r) && (p.limit <= 0 || p.n < p.limit)
}

// result is a list result with identity attribute → value and, when include, the resource state.
func result(ctx context.Context, req list.ListRequest, display string, identity map[string]string, state any) list.ListResult {
	r := req.NewListResult(ctx)
	r.DisplayName = display
	for k, v := range identity {
		r.Diagnostics.Append(r.Identity.SetAttribute(ctx, path.Root(k), v)...)
	}
	if req.IncludeResource && state != nil {
		r.Diagnostics.Append(r.Resource.Set(ctx, state)...)
	}
	return r
}

// configOf reads a list block's config into target; false (with the error pushed as the only result)
// when that fails or the provider has no ICA credentials.
func (l *listBase) configOf(ctx context.Context, cfg tfsdk.Config, target any, typeName string, resp *list.ListResultsStream) bool {
	var diags diag.Diagnostics
	diags.Append(cfg.Get(ctx, target)...)
	if !diags.HasError() {
		requireICACredentials(l.data, typeName, "lists ICA objects", &diags)
	}
	if l.data == nil {
		diags.AddError("Provider not configured", "The provider must be configured to list "+typeName+".")
	}
	if diags.HasError() {
		resp.Results = list.ListResultsStreamDiagnostics(diags)
		return false
	}
	return true
}

// listByName is the list of an ICA object kind that ICA lists in one call (fetch): every object whose name
// the config's exact-name filter lets through, with identity { id }. state gives the resource state, only
// when Terraform asks for it (nil when it cannot be read, with why in diags).
func listByName[T any](ctx context.Context, l *listBase, req list.ListRequest, resp *list.ListResultsStream, typeName, what string,
	fetch func(*ica.Client, context.Context) ([]T, error), key func(*T) (id, name string), state func(*T, *diag.Diagnostics) any) {
	var f nameFilter
	if !l.configOf(ctx, req.Config, &f, typeName, resp) {
		return
	}
	all, err := fetch(l.data.ICA, ctx)
	if err != nil {
		var diags diag.Diagnostics
		addICAError(&diags, "list", what, "", err)
		resp.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	resp.Results = func(push func(list.ListResult) bool) {
		p := &pusher{push: push, limit: req.Limit}
		for i := range all {
			id, name := key(&all[i])
			if !f.matches(name) {
				continue
			}
			var diags diag.Diagnostics
			var st any
			if req.IncludeResource {
				st = state(&all[i], &diags)
			}
			r := result(ctx, req, name, map[string]string{"id": id}, st)
			r.Diagnostics.Append(diags...)
			if !p.send(r) {
				return
			}
		}
	}
}

// nullTimeouts is a null timeouts block of the resource schema s, for the state of a listed object.
func nullTimeouts(ctx context.Context, s rschema.Schema) types.Object {
	attrTypes := map[string]attr.Type{}
	for name, a := range s.Blocks["timeouts"].GetNestedObject().GetAttributes() {
		attrTypes[name] = a.GetType()
	}
	return types.ObjectNull(attrTypes)
}

// --- ica_secret_credential ---------------------------------------------------------------------------------

// NewSecretCredentialList lists ICA storage credentials.
func NewSecretCredentialList() list.ListResource { return &secretCredentialList{} }

type secretCredentialList struct{ listBase }

func (l *secretCredentialList) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_credential"
}

func (l *secretCredentialList) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = nameFilterSchema("storage credential")
	resp.Schema.MarkdownDescription = resp.Schema.Description + " ICA never returns a credential's access key: " +
		"a generated configuration leaves `access_key_id` and the secret for you to fill in. One ICA call " +
		"(`GET /api/storageCredentials`)."
}

func (l *secretCredentialList) List(ctx context.Context, req list.ListRequest, resp *list.ListResultsStream) {
	listByName(ctx, &l.listBase, req, resp, "ica_secret_credential", "storage credentials", (*ica.Client).ListStorageCredentials,
		func(c *ica.StorageCredential) (string, string) { return c.ID, c.Name },
		func(c *ica.StorageCredential, _ *diag.Diagnostics) any { return listedCredential(c) })
}

// listedCredential is the state of a listed credential, as an import would make it: no key id (ICA never
// returns it) and not shared (ICA does not say).
func listedCredential(c *ica.StorageCredential) *secretCredentialModel {
	m := &secretCredentialModel{
		ID:                       types.StringValue(c.ID),
		AccessKeyID:              types.StringNull(),
		SecretAccessKeyWOVersion: types.Int64Null(),
		SecretAccessKey:          types.StringNull(),
		Shared:                   types.BoolValue(false),
	}
	setCredentialComputed(m, c)
	return m
}

// --- ica_storage_configuration -----------------------------------------------------------------------------

// NewStorageConfigurationList lists ICA storage configurations.
func NewStorageConfigurationList() list.ListResource { return &storageConfigurationList{} }

type storageConfigurationList struct{ listBase }

func (l *storageConfigurationList) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storage_configuration"
}

func (l *storageConfigurationList) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = nameFilterSchema("storage configuration")
	resp.Schema.MarkdownDescription = resp.Schema.Description + " ICA's list carries each configuration's bucket " +
		"and, undocumented, its credential; when it does not, the generated configuration leaves `credential_id` " +
		"for you to fill in. One ICA call (`GET /api/storageConfigurations`), plus one details call per configuration " +
		"the list returns without its bucket, only when generating configuration."
}

func (l *storageConfigurationList) List(ctx context.Context, req list.ListRequest, resp *list.ListResultsStream) {
	listByName(ctx, &l.listBase, req, resp, "ica_storage_configuration", "storage configurations", (*ica.Client).ListStorageConfigurations,
		func(sc *ica.StorageConfigurationWithDetails) (string, string) { return sc.ID, sc.Name },
		func(sc *ica.StorageConfigurationWithDetails, diags *diag.Diagnostics) any {
			if m := l.listedConfiguration(ctx, sc, diags); m != nil {
				return m
			}
			return nil
		})
}

// listedConfiguration is the state of a listed configuration, as an import followed by a refresh makes it.
func (l *storageConfigurationList) listedConfiguration(ctx context.Context, sc *ica.StorageConfigurationWithDetails, diags *diag.Diagnostics) *storageConfigurationModel {
	details := sc.StorageConfigurationDetails
	if details == nil || details.AWSS3 == nil {
		d, err := l.data.ICA.GetStorageConfigurationDetails(ctx, sc.ID)
		if err != nil {
			addICAError(diags, "read the details of", "storage configuration", sc.Name, err)
			return nil
		}
		if details != nil && d.StorageCredential == nil {
			d.StorageCredential = details.StorageCredential
		}
		details = d
	}
	m := &storageConfigurationModel{
		Description: types.StringNull(), CredentialID: types.StringNull(), RegionID: types.StringNull(),
		Prefix: types.StringNull(), SSEAlgorithm: types.StringNull(), SSEKMSKeyARN: types.StringNull(),
		Shared: types.BoolValue(false), RevalidateTrigger: types.StringNull(), WaitForOK: types.BoolValue(true),
	}
	m.Timeouts.Object = nullTimeouts(ctx, storageConfigurationSchemaV0(ctx))
	applyICA(m, sc.StorageConfiguration, details)
	return m
}

// --- ica_s3_connection -------------------------------------------------------------------------------------

// NewS3ConnectionList discovers S3 connections.
func NewS3ConnectionList() list.ListResource { return &s3ConnectionList{} }

type s3ConnectionList struct{ listBase }

type s3ConnectionFilter struct {
	Bucket         types.String `tfsdk:"bucket"`
	CredentialName types.String `tfsdk:"credential_name"`
	IAMUserName    types.String `tfsdk:"iam_user_name"`
}

func (l *s3ConnectionList) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_s3_connection"
}

func (l *s3ConnectionList) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "Discovers S3 connections: the IAM users that carry this provider's ownership tags (connections " +
			"it made, e.g. after a lost state), and, when `bucket` and `credential_name` are both set, an untagged " +
			"IAM user whose attached managed policy grants that bucket (a connection made by hand). IAM's ListUsers " +
			"returns no tags, so discovery costs one `iam:ListUsers` call per 1,000 users of the account and one " +
			"`iam:GetUser` call per user (just the one `iam:GetUser` when `iam_user_name` is set); the hand-made search " +
			"adds `ListAttachedUserPolicies` per untagged user and `GetPolicy` + `GetPolicyVersion` per attached " +
			"policy. Generating configuration then reads each connection found as an import does.",
		Attributes: map[string]listschema.Attribute{
			"bucket": listschema.StringAttribute{
				Optional:    true,
				Description: "Only connections of this bucket.",
			},
			"credential_name": listschema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only connections whose ICA storage credential has this name. With `bucket`, also finds a connection made by hand.",
			},
			"iam_user_name": listschema.StringAttribute{
				Optional:    true,
				Description: "Only the connection of this IAM user; avoids listing the account's users.",
			},
		},
	}
}

func (l *s3ConnectionList) List(ctx context.Context, req list.ListRequest, resp *list.ListResultsStream) {
	var cfg s3ConnectionFilter
	if !l.configOf(ctx, req.Config, &cfg, "ica_s3_connection", resp) {
		return
	}
	conv := l.data.connections
	filter := connection.Filter{
		Bucket: cfg.Bucket.ValueString(), CredentialName: cfg.CredentialName.ValueString(), UserName: cfg.IAMUserName.ValueString(),
	}
	resp.Results = func(push func(list.ListResult) bool) {
		p := &pusher{push: push, limit: req.Limit}
		err := conv.Discover(ctx, filter, func(f connection.Found) bool {
			var state *s3ConnectionModel
			var diags diag.Diagnostics
			if req.IncludeResource {
				state = discoveredConnection(ctx, conv, f, &diags)
			}
			r := result(ctx, req, f.ImportID(), map[string]string{
				"bucket": f.Bucket, "iam_user_name": f.UserName, "credential_name": f.CredentialName,
			}, state)
			r.Diagnostics.Append(diags...)
			return p.send(r)
		})
		if err != nil {
			var diags diag.Diagnostics
			addConnectionError(&diags, "discover", err)
			push(list.ListResult{Diagnostics: diags})
		}
	}
}

// discoveredConnection reads a found connection as an import does; a connection that cannot be imported
// (e.g. its ICA credential is gone) is listed without state and with a warning that says why.
func discoveredConnection(ctx context.Context, conv *connection.Converger, f connection.Found, diags *diag.Diagnostics) *s3ConnectionModel {
	im, err := conv.Import(ctx, f.Bucket, f.UserName, f.CredentialName)
	if err != nil {
		diags.AddWarning("Connection found but not importable",
			fmt.Sprintf("The S3 connection %s was found but cannot be imported as it is: %s. Fix that, or leave it out.", f.ImportID(), trimDot(err.Error())))
		return nil
	}
	m, d := importedModel(ctx, im)
	diags.Append(d...)
	return &m
}
