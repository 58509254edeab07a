package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
	"github.com/ica-tf/terraform-provider-ica/internal/naming"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
	"github.com/ica-tf/terraform-provider-ica/internal/regions"
)

func iamUserNameValidator() validator.String {
	return stringFuncValidator("an IAM user name (1 to 64 of a-z, A-Z, 0-9 and +=,.@_-)", naming.ValidateIAMUserName)
}

func iamPolicyNameValidator() validator.String {
	return stringFuncValidator("an IAM policy name (1 to 128 of a-z, A-Z, 0-9 and +=,.@_-)", naming.ValidateIAMPolicyName)
}

func iamPathValidator() validator.String {
	return stringFuncValidator("an IAM path such as / or /ica/", naming.ValidateIAMPath)
}

func icaRegionValidator() validator.String {
	return stringFuncValidator("an ICA region name such as \"United States\"", func(s string) error {
		_, err := regions.ByName(s)
		return err
	})
}

func tagKeyValidator() validator.String {
	return stringFuncValidator("an IAM tag key not starting with "+connection.ReservedTagPrefix, func(s string) error {
		if err := naming.ValidateIAMTagKey(s); err != nil {
			return err
		}
		if strings.HasPrefix(s, connection.ReservedTagPrefix) {
			return fmt.Errorf("tag keys starting with %q are reserved for the provider's ownership tags; rename the tag", connection.ReservedTagPrefix)
		}
		return nil
	})
}

func (r *s3ConnectionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = s3ConnectionSchemaV0(ctx)
}

// s3ConnectionSchemaV0 is version 0 of the ica_s3_connection schema (a function, so that a later
// version's UpgradeState can refer to it).
func s3ConnectionSchemaV0(ctx context.Context) schema.Schema {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	return schema.Schema{
		Description: "Connects an S3 bucket (and optionally one folder in it) to Illumina Connected Analytics: " +
			"a CORS rule on the bucket, an IAM policy, an IAM user with the policy attached, an access key, and " +
			"the ICA storage credential holding that key, converged as one object. The secret access key goes " +
			"from IAM to ICA inside one apply and is never stored in state, plan or logs.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				MarkdownDescription: "The ICA storage credential UUID (same as `credential_id`).",
			},
			"bucket": schema.StringAttribute{
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{bucketNameValidator()},
				Description:   "Name of the existing S3 bucket to connect. Changing it replaces the connection.",
			},
			"prefix": schema.StringAttribute{
				Optional:   true,
				Validators: []validator.String{prefixValidator()},
				MarkdownDescription: "The folder ICA works in, e.g. `ica` or `ica/` (the same; the state keeps your spelling). " +
					"Scopes the object statement of the policy to `BUCKET/PREFIX/*`. Leading `/`, `./`, `..` and " +
					"empty segments are rejected. Unset connects the whole bucket, which ICA advises against.",
			},
			"ica_region": schema.StringAttribute{
				Optional:   true,
				Validators: []validator.String{icaRegionValidator()},
				MarkdownDescription: "ICA region name (e.g. `United States`, `Germany`). When set, the plan fails if the " +
					"bucket is not in the AWS region that ICA region uses.",
			},
			"iam_user_name": schema.StringAttribute{
				Optional: true, Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()},
				Validators:    []validator.String{iamUserNameValidator()},
				Description: "Name of the IAM user whose access key ICA holds. Default: derived from bucket and " +
					"prefix at create, then kept (a later prefix change does not rename it). Changing it replaces the connection.",
			},
			"iam_policy_name": schema.StringAttribute{
				Optional: true, Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()},
				Validators:    []validator.String{iamPolicyNameValidator()},
				Description:   "Name of the IAM managed policy. Default: derived from bucket and prefix at create, then kept. Changing it replaces the connection.",
			},
			"iam_path": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("/"),
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{iamPathValidator()},
				MarkdownDescription: "IAM path of the user and the policy. Default `/`. Changing it replaces the connection.",
			},
			"kms_key_arn": schema.StringAttribute{
				Optional:   true,
				Validators: []validator.String{kmsKeyARNValidator()},
				Description: "ARN of the KMS key of an SSE-KMS bucket: adds kms:Decrypt, kms:Encrypt and " +
					"kms:GenerateDataKey on it to the policy. Must be in the bucket's region.",
			},
			"cors_allowed_origins": schema.ListAttribute{
				ElementType: types.StringType, Optional: true, Computed: true,
				Default:             listdefault.StaticValue(types.ListValueMust(types.StringType, []attr.Value{types.StringValue(policy.DefaultOrigin)})),
				Validators:          []validator.List{listvalidator.SizeAtLeast(1), listvalidator.UniqueValues()},
				MarkdownDescription: "Origins allowed by the CORS rule. Default `[\"" + policy.DefaultOrigin + "\"]`.",
			},
			"manage_cors": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				Description: "Whether this resource keeps its CORS rule on the bucket (needed for uploads from the " +
					"browser). Other rules on the bucket are never touched. Setting it to false removes our rule. Default true.",
			},
			"credential_name": schema.StringAttribute{
				Optional: true, Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()},
				Validators:    []validator.String{credentialNameValidator()},
				Description: "Name of the ICA storage credential. Default: derived from bucket and prefix at create, " +
					"then kept. Create adopts an existing credential of that name (sending it the new key). Changing it replaces the connection.",
			},
			"share_credential": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				Description: "Share the ICA credential with the whole tenant. ICA cannot unshare, so true → false is " +
					"refused at plan time. Default false.",
			},
			"rotation_trigger": schema.StringAttribute{
				Optional: true,
				Description: "Any change rotates the access key with no gap: a second key is created, used once it " +
					"works, handed to ICA, and the old key is deleted. E.g. a date, or time_rotating's id.",
			},
			"tags": schema.MapAttribute{
				ElementType: types.StringType, Optional: true,
				Validators: []validator.Map{
					mapvalidator.KeysAre(tagKeyValidator()),
					mapvalidator.ValueStringsAre(stringFuncValidator("an IAM tag value (at most 256 characters)", naming.ValidateIAMTagValue)),
				},
				MarkdownDescription: "Tags for the IAM user and policy, next to the provider's own ownership tags (`" + connection.TagManagedBy + "`, `" + connection.TagBucket + "`, `" + connection.TagCredential + "`, the claim `" + connection.TagClaim + "`, and on the policy `" + connection.TagIAMUser + "`). " +
					"Refresh reads the IAM user's tags, so a tag added, changed or removed outside Terraform shows in the plan and the next apply puts the configured tags back (on the user and the policy).",
			},
			"credential_id": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				Description: "UUID of the ICA storage credential (use it in ica_storage_configuration).",
			},
			"aws_region": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				Description: "The bucket's AWS region.",
			},
			"iam_user_arn": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				Description: "ARN of the IAM user.",
			},
			"iam_policy_arn": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				Description: "ARN of the IAM policy.",
			},
			"access_key_id": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				Description: "ID of the access key ICA holds. The secret is never stored anywhere by Terraform.",
			},
			"cors_rule_id": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				Description: "ID of this connection's CORS rule on the bucket (empty for a hand-made rule without " +
					"an ID adopted on import). Null when the rule is missing or was changed outside Terraform.",
			},
			"claim_token": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				MarkdownDescription: "The token unique to this connection that it stamps, as its claim, on its IAM user and policy (tag `" + connection.TagClaim + "`) once a create has finished: " +
					"other connections never adopt a claimed user or policy, and a destroy deletes only what its claim covers. Not a secret. " +
					"Null after an upgrade from a version without claims or an import of an unclaimed connection, until the next apply that changes the connection (when that apply finds sharing, it stays null and the apply says why).",
			},
			"policy_json": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				Description: "The policy document as applied to the user (compared by meaning, never as text). " +
					"Null when the policy is missing or not attached.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeoutsBlock(ctx, "How long to wait for the AWS and ICA calls of create, refresh, update and destroy.", timeouts.Opts{
				Create: true,
				Read:   true,
				Update: true,
				Delete: true,
				CreateDescription: "How long create may take, including the wait until the new access key works, " +
					"as a duration such as `30m`. Default `10m`.",
				ReadDescription: "How long a refresh may take, as a duration such as `2m`. Default `5m`. Each AWS and ICA " +
					"request attempt is also limited by the provider's `aws { request_timeout }` and `request_timeout`.",
				UpdateDescription: "How long an update (or a key rotation) may take, as a duration such as `30m`. Default `10m`.",
				DeleteDescription: "How long destroy may take, as a duration such as `10m`. Default `5m`.",
			}),
		},
	}
}
