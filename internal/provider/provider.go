// Package provider is the Terraform plugin framework glue: the provider schema and configuration,
// and one file per resource or data source. Domain logic lives in the packages it calls.
package provider

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/providervalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/awsapi"
	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

// Environment variables read when the matching provider attribute is not set.
//
//nolint:gosec // G101: these are variable names, not credentials.
const (
	EnvBaseURL     = "ICA_BASE_URL"
	EnvAPIKey      = "ICA_API_KEY"
	EnvAccessToken = "ICA_ACCESS_TOKEN"
	EnvTenant      = "ICA_TENANT"
)

var (
	_ provider.Provider                     = (*icaProvider)(nil)
	_ provider.ProviderWithConfigValidators = (*icaProvider)(nil)
	_ provider.ProviderWithListResources    = (*icaProvider)(nil)
	_ provider.ProviderWithActions          = (*icaProvider)(nil)
)

type icaProvider struct {
	version string
}

// New returns the provider factory used by main.go and the acceptance tests.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &icaProvider{version: version}
	}
}

type providerModel struct {
	BaseURL     types.String `tfsdk:"base_url"`
	APIKey      types.String `tfsdk:"api_key"`
	AccessToken types.String `tfsdk:"access_token"`
	Tenant      types.String `tfsdk:"tenant"`
	MaxRetries  types.Int64  `tfsdk:"max_retries"`
	// RequestTimeout limits each ICA request attempt.
	RequestTimeout types.String `tfsdk:"request_timeout"`
	AWS            *awsModel    `tfsdk:"aws"`
}

type awsModel struct {
	Region         types.String     `tfsdk:"region"`
	Profile        types.String     `tfsdk:"profile"`
	AccessKey      types.String     `tfsdk:"access_key"`
	SecretKey      types.String     `tfsdk:"secret_key"`
	Token          types.String     `tfsdk:"token"`
	S3UsePathStyle types.Bool       `tfsdk:"s3_use_path_style"`
	AssumeRole     *assumeRoleModel `tfsdk:"assume_role"`
	Endpoints      *endpointsModel  `tfsdk:"endpoints"`
	// RequestTimeout limits each AWS request attempt.
	RequestTimeout types.String `tfsdk:"request_timeout"`
}

type assumeRoleModel struct {
	RoleARN     types.String `tfsdk:"role_arn"`
	SessionName types.String `tfsdk:"session_name"`
	ExternalID  types.String `tfsdk:"external_id"`
}

type endpointsModel struct {
	S3  types.String `tfsdk:"s3"`
	IAM types.String `tfsdk:"iam"`
	STS types.String `tfsdk:"sts"`
	KMS types.String `tfsdk:"kms"`
}

func (p *icaProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "ica"
	resp.Version = p.version
}

func (p *icaProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Connects your own Amazon S3 buckets to Illumina Connected Analytics (ICA): the bucket's CORS " +
			"rule, the IAM user, policy and access key ICA needs, and the ICA secret credential and storage " +
			"configuration. ICA credentials are only needed by what calls ICA: the region data sources work without them.",
		Attributes: map[string]schema.Attribute{
			"base_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "ICA REST API base URL. Default: the environment variable `" + EnvBaseURL + "`, else `" +
					ica.DefaultBaseURL + "`. Plain `http://` is accepted only for loopback hosts (e.g. a local ICA emulator).",
				Validators: []validator.String{stringFuncValidator(
					"must be an https:// URL (http:// only for loopback hosts)", ica.ValidateBaseURL)},
			},
			"api_key": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "ICA API key. Default: the environment variable `" + EnvAPIKey + "`. It is traded for a " +
					"short-lived JWT once per provider process; nothing is cached on disk. Conflicts with `access_token`.",
			},
			"access_token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "ICA access token (a JWT), used as is. Default: the environment variable `" + EnvAccessToken +
					"`. Conflicts with `api_key`.",
			},
			"tenant": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "ICA tenant name, sent when trading the API key for a JWT; needed only by users who belong " +
					"to several tenants. Default: the environment variable `" + EnvTenant + "`.",
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Maximum number of retries of an ICA API call after a 429, a 5xx or a network error, with " +
					"exponential backoff and jitter (`Retry-After` is honoured). Default 4; 0 disables ICA retries. " +
					"A positive value also bounds the AWS SDK's retries.",
				Validators: []validator.Int64{int64validator.Between(0, 100)},
			},
			"request_timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How long each ICA request attempt may wait for its answer, as a duration such "+
					"as `30s`. Default `%s`. An attempt that gets no answer in time is retried when it is a read (up to "+
					"`max_retries`), so a call costs at most request_timeout × (max_retries + 1) plus the backoff; after "+
					"that the provider sends nothing more to ICA in this run, and the error names the endpoint.",
					ica.DefaultRequestTimeout),
				Validators: []validator.String{durationValidator()},
			},
		},
		Blocks: map[string]schema.Block{
			"aws": schema.SingleNestedBlock{
				MarkdownDescription: "How the provider reaches AWS (S3, IAM, STS). Without this block, or with an empty one, the " +
					"standard AWS credential chain is used, which honours `AWS_PROFILE`, `AWS_REGION`, " +
					"`AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`.",
				Attributes: map[string]schema.Attribute{
					"region": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Default AWS region for IAM and STS calls. Default: the standard AWS chain, else " +
							"`us-east-1`. S3 calls always go to each bucket's own region.",
					},
					"profile": schema.StringAttribute{
						Optional:    true,
						Description: "Named profile from the shared AWS config and credentials files.",
					},
					"access_key": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "AWS access key id. Set together with `secret_key`.",
					},
					"secret_key": schema.StringAttribute{
						Optional:            true,
						Sensitive:           true,
						MarkdownDescription: "AWS secret access key. Set together with `access_key`.",
					},
					"token": schema.StringAttribute{
						Optional:    true,
						Sensitive:   true,
						Description: "AWS session token, for temporary credentials.",
					},
					"request_timeout": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: fmt.Sprintf("How long each AWS request attempt (S3, IAM, STS) and each fetch of "+
							"credentials may take, as a duration such as `30s`. Default `%s`. A read that gets no answer "+
							"in time is retried by the AWS SDK (3 attempts by default); a write that may have happened "+
							"(CreateUser, CreatePolicy, CreateAccessKey) is not, and the next apply finds what it made. "+
							"After a call gets no answer, the provider sends nothing more to that endpoint in this run.",
							awsapi.DefaultRequestTimeout),
						Validators: []validator.String{durationValidator()},
					},
					"s3_use_path_style": schema.BoolAttribute{
						Optional: true,
						MarkdownDescription: "Address S3 buckets by path (`https://endpoint/bucket`) instead of by virtual host. " +
							"Needed by most S3 emulators (moto, LocalStack).",
					},
				},
				Blocks: map[string]schema.Block{
					"assume_role": schema.SingleNestedBlock{
						Description: "Assume this IAM role (with the credentials found above) for every AWS call.",
						Attributes: map[string]schema.Attribute{
							"role_arn": schema.StringAttribute{
								Optional:    true,
								Description: "ARN of the role to assume.",
							},
							"session_name": schema.StringAttribute{
								Optional:    true,
								Description: "Session name of the assumed role (shows in CloudTrail).",
							},
							"external_id": schema.StringAttribute{
								Optional:    true,
								Description: "External id required by the role's trust policy, if any.",
							},
						},
					},
					"endpoints": schema.SingleNestedBlock{
						Description: "Custom service endpoints, e.g. for moto or LocalStack.",
						Attributes: map[string]schema.Attribute{
							"s3": schema.StringAttribute{
								Optional:    true,
								Description: "S3 endpoint URL.",
							},
							"iam": schema.StringAttribute{
								Optional:    true,
								Description: "IAM endpoint URL.",
							},
							"sts": schema.StringAttribute{
								Optional:    true,
								Description: "STS endpoint URL.",
							},
							"kms": schema.StringAttribute{
								Optional:    true,
								Description: "KMS endpoint URL (the plan-time preflight looks up the bucket's default encryption key with kms:DescribeKey).",
							},
						},
					},
				},
			},
		},
	}
}

func (p *icaProvider) ConfigValidators(context.Context) []provider.ConfigValidator {
	return []provider.ConfigValidator{
		providervalidator.Conflicting(path.MatchRoot("api_key"), path.MatchRoot("access_token")),
		providervalidator.RequiredTogether(
			path.MatchRoot("aws").AtName("access_key"), path.MatchRoot("aws").AtName("secret_key")),
	}
}

func (p *icaProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	baseURL, baseURLFrom := fromConfigOrEnv(cfg.BaseURL, EnvBaseURL)
	apiKey, apiKeyFrom := fromConfigOrEnv(cfg.APIKey, EnvAPIKey)
	accessToken, accessTokenFrom := fromConfigOrEnv(cfg.AccessToken, EnvAccessToken)
	tenant, _ := fromConfigOrEnv(cfg.Tenant, EnvTenant)

	// Unknown values (e.g. from a resource not yet created) cannot be used to configure a client.
	for name, v := range map[string]types.String{"base_url": cfg.BaseURL, "api_key": cfg.APIKey,
		"access_token": cfg.AccessToken, "tenant": cfg.Tenant} {
		if v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown provider attribute",
				fmt.Sprintf("The provider attribute %q depends on a value that is not known until apply. "+
					"Set it from a known value (a variable, a literal or the environment).", name))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	// The schema validator catches a conflict written in configuration; this also catches one that comes
	// (partly) from the environment.
	if apiKey != "" && accessToken != "" {
		resp.Diagnostics.AddError("Conflicting ICA credentials",
			fmt.Sprintf("Both an API key (from %s) and an access token (from %s) are set. Set only one of them: "+
				"unset the other attribute or environment variable.", apiKeyFrom, accessTokenFrom))
		return
	}
	if baseURL == "" {
		baseURL = ica.DefaultBaseURL
	} else if err := ica.ValidateBaseURL(baseURL); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Invalid ICA base URL",
			fmt.Sprintf("The ICA base URL from %s is not usable: %s", baseURLFrom, err))
		return
	}

	maxRetries := -1 // the client's default
	if !cfg.MaxRetries.IsNull() && !cfg.MaxRetries.IsUnknown() {
		maxRetries = int(cfg.MaxRetries.ValueInt64())
	}

	client, err := ica.New(ica.Config{
		BaseURL:        baseURL,
		APIKey:         apiKey,
		AccessToken:    accessToken,
		Tenant:         tenant,
		UserAgent:      fmt.Sprintf("terraform-provider-ica/%s (+Terraform %s)", p.version, req.TerraformVersion),
		MaxRetries:     maxRetries,
		RequestTimeout: durationOrZero(cfg.RequestTimeout),
	})
	if err != nil {
		resp.Diagnostics.AddError("Could not configure the ICA client", err.Error())
		return
	}

	settings := awsSettings(cfg.AWS)
	if maxRetries > 0 {
		settings.MaxRetries = maxRetries
	}

	data := newProviderData(client, awsapi.New(settings))
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
}

// fromConfigOrEnv returns the configured value, else the environment variable's, and where it came from.
func fromConfigOrEnv(v types.String, env string) (string, string) {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString(), "the provider configuration"
	}
	return os.Getenv(env), "the environment variable " + env
}

// durationOrZero is a validated duration attribute's value; zero (the client's default) when unset.
func durationOrZero(v types.String) time.Duration {
	d, _ := time.ParseDuration(v.ValueString())
	return d
}

func awsSettings(m *awsModel) awsapi.Settings {
	if m == nil {
		return awsapi.Settings{}
	}
	s := awsapi.Settings{
		Region:         m.Region.ValueString(),
		Profile:        m.Profile.ValueString(),
		AccessKey:      m.AccessKey.ValueString(),
		SecretKey:      m.SecretKey.ValueString(),
		Token:          m.Token.ValueString(),
		S3UsePathStyle: m.S3UsePathStyle.ValueBool(),
		RequestTimeout: durationOrZero(m.RequestTimeout),
	}
	if m.AssumeRole != nil {
		s.AssumeRoleARN = m.AssumeRole.RoleARN.ValueString()
		s.AssumeRoleSessionName = m.AssumeRole.SessionName.ValueString()
		s.AssumeRoleExternalID = m.AssumeRole.ExternalID.ValueString()
	}
	if m.Endpoints != nil {
		s.EndpointS3 = m.Endpoints.S3.ValueString()
		s.EndpointIAM = m.Endpoints.IAM.ValueString()
		s.EndpointSTS = m.Endpoints.STS.ValueString()
		s.EndpointKMS = m.Endpoints.KMS.ValueString()
	}
	return s
}

func (p *icaProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		// With their resource identity (identity.go).
		newSecretCredentialWithIdentity,
		newStorageConfigurationWithIdentity,
		newS3ConnectionWithIdentity,
		newProjectWithIdentity,
	}
}

func (p *icaProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewRegionsDataSource,
		NewRegionDataSource,
		NewS3PolicyDocumentDataSource,
		NewStorageBundleDataSource,
		NewStorageBundlesDataSource,
		NewStorageConfigurationDataSource,
		NewStorageConfigurationsDataSource,
		NewSecretCredentialDataSource,
		NewSecretCredentialsDataSource,
		NewProjectDataSource,
	}
}

// ListResources are for terraform query (Terraform >= 1.14): list_resources.go.
func (p *icaProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewSecretCredentialList,
		NewStorageConfigurationList,
		NewS3ConnectionList,
		NewProjectList,
	}
}

// Actions need Terraform >= 1.14.
func (p *icaProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{
		NewStorageConfigurationValidateAction,
	}
}
