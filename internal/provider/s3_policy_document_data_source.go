package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/naming"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

var _ datasource.DataSource = (*s3PolicyDocumentDataSource)(nil)

// NewS3PolicyDocumentDataSource returns the ica_s3_policy_document data source: the exact IAM policy and
// CORS rule ica_s3_connection applies, for teams that manage IAM and CORS with another provider. It is
// pure (no API calls).
func NewS3PolicyDocumentDataSource() datasource.DataSource { return &s3PolicyDocumentDataSource{} }

type s3PolicyDocumentDataSource struct{}

type s3PolicyDocumentModel struct {
	Bucket             types.String `tfsdk:"bucket"`
	Prefix             types.String `tfsdk:"prefix"`
	KMSKeyARN          types.String `tfsdk:"kms_key_arn"`
	Versioned          types.Bool   `tfsdk:"versioned"`
	CORSAllowedOrigins types.List   `tfsdk:"cors_allowed_origins"`
	JSON               types.String `tfsdk:"json"`
	CORSRuleJSON       types.String `tfsdk:"cors_rule_json"`
}

func (d *s3PolicyDocumentDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_s3_policy_document"
}

func (d *s3PolicyDocumentDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "The IAM policy document and CORS rule that ica_s3_connection applies for a bucket, from the " +
			"same code, for teams that manage IAM and CORS with another provider. Makes no API calls.",
		Attributes: map[string]schema.Attribute{
			"bucket": schema.StringAttribute{
				Required: true, Validators: []validator.String{bucketNameValidator()},
				Description: "S3 bucket name.",
			},
			"prefix": schema.StringAttribute{
				Optional: true, Validators: []validator.String{prefixValidator()},
				MarkdownDescription: "Folder ICA works in (`ica` and `ica/` are the same); scopes the object statement to `BUCKET/PREFIX/*`.",
			},
			"kms_key_arn": schema.StringAttribute{
				Optional: true, Validators: []validator.String{kmsKeyARNValidator()},
				Description: "KMS key of an SSE-KMS bucket: adds kms:Decrypt, kms:Encrypt and kms:GenerateDataKey on it.",
			},
			"versioned": schema.BoolAttribute{
				Optional:    true,
				Description: "Whether the bucket's versioning is Enabled or Suspended: adds the version actions. Default false.",
			},
			"cors_allowed_origins": schema.ListAttribute{
				ElementType: types.StringType, Optional: true,
				Validators:          []validator.List{listvalidator.SizeAtLeast(1)},
				MarkdownDescription: "Origins of the CORS rule. Default `[\"" + policy.DefaultOrigin + "\"]`.",
			},
			"json": schema.StringAttribute{
				Computed:    true,
				Description: "The IAM policy document (JSON). With no prefix, no versioning and no KMS key it is exactly the policy of ICA's documentation.",
			},
			"cors_rule_json": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The CORS rule ICA needs, as one S3 CORSRule object (JSON): headers `*`, methods HEAD GET PUT POST DELETE, " +
					"the origins, expose `ETag` and `x-amz-meta-custom-header`, no max age.",
			},
		},
	}
}

func (d *s3PolicyDocumentDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m s3PolicyDocumentModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	prefix, err := naming.NormalizePrefix(m.Prefix.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathPrefix, "Invalid prefix", err.Error())
		return
	}
	if arn := m.KMSKeyARN.ValueString(); arn != "" {
		if err := naming.ValidateKMSKeyARN(arn, ""); err != nil {
			resp.Diagnostics.AddAttributeError(pathKMSKeyARN, "Invalid KMS key ARN", err.Error())
			return
		}
	}
	var origins []string
	if !m.CORSAllowedOrigins.IsNull() {
		resp.Diagnostics.Append(m.CORSAllowedOrigins.ElementsAs(ctx, &origins, false)...)
	}
	doc := policy.Build(policy.Options{Bucket: m.Bucket.ValueString(), Prefix: prefix, KMSKeyARN: m.KMSKeyARN.ValueString(), Versioned: m.Versioned.ValueBool()})
	m.JSON = types.StringValue(doc.JSON())
	m.CORSRuleJSON = types.StringValue(policy.ICARule("", origins).JSON())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
