package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

// secretCredentialSchemaV0 is version 0 of the ica_secret_credential schema (a function, so that a
// later version's UpgradeState can refer to it).
func secretCredentialSchemaV0() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "An ICA storage credential (\"secret credential\" in the ICA UI) holding an AWS access key, which " +
			"ICA storage configurations use to reach a bucket. ICA has no delete API: destroying this resource only " +
			"removes it from Terraform state (with a warning), and creating one whose name already exists in ICA adopts " +
			"that credential and replaces its secrets. Use `secret_access_key_wo` (Terraform >= 1.11) to keep the " +
			"secret out of state and plan.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:      true,
				Description:   "ICA storage credential UUID.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Credential name: 1 to 150 characters of `a-z`, `A-Z`, `0-9`, `_` and `-`. Changing it " +
					"creates (or adopts) another credential; the old one stays in ICA.",
				Validators:    []validator.String{credentialNameValidator()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"type": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(ica.CredentialTypeAWSUser),
				MarkdownDescription: "Credential type. ICA's API knows only `AWS_USER` (an IAM user's access key).",
				Validators:          []validator.String{stringvalidator.OneOf(ica.CredentialTypeAWSUser)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"access_key_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "AWS access key id of the IAM user ICA acts as. A change sends the key id and secret to " +
					"ICA (`:updateSecrets`) without replacing the credential. ICA never returns it: after import it " +
					"comes from the configuration, and the first apply sends the secrets once.",
				Validators: []validator.String{accessKeyIDValidator()},
			},
			"secret_access_key_wo": schema.StringAttribute{
				Optional:  true,
				WriteOnly: true,
				Sensitive: true,
				MarkdownDescription: "AWS secret access key, write-only: sent to ICA but never stored in plan or state " +
					"(Terraform >= 1.11). Because Terraform cannot see a change to it, bump " +
					"`secret_access_key_wo_version` to send a new value. Exactly one of this and `secret_access_key`.",
				Validators: []validator.String{secretValidator()},
			},
			"secret_access_key_wo_version": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Any change of this number sends `secret_access_key_wo` (and `access_key_id`) to ICA " +
					"again. Only with `secret_access_key_wo`.",
				Validators: []validator.Int64{
					int64validator.AlsoRequires(path.MatchRoot("secret_access_key_wo")),
				},
			},
			"secret_access_key": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "AWS secret access key, for Terraform < 1.11. It is stored (marked sensitive) in the state: " +
					"prefer `secret_access_key_wo`. A change is sent to ICA. Exactly one of this and `secret_access_key_wo`.",
				Validators: []validator.String{secretValidator()},
			},
			"shared": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
				Description: "Share the credential with every user of the tenant. ICA cannot unshare: changing it " +
					"from true to false is refused at plan time.",
			},
			"owner_id": schema.StringAttribute{
				Computed:      true,
				Description:   "UUID of the ICA user who owns the credential.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"tenant_id": schema.StringAttribute{
				Computed:      true,
				Description:   "UUID of the ICA tenant.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"time_created": schema.StringAttribute{
				Computed:      true,
				Description:   "When ICA created the credential (RFC 3339).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"time_modified": schema.StringAttribute{
				Computed:    true,
				Description: "When ICA last changed the credential (RFC 3339).",
			},
		},
	}
}
