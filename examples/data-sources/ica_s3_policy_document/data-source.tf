# The exact policy and CORS rule ica_s3_connection applies, for teams that manage IAM and CORS with
# another provider (e.g. hashicorp/aws).
data "ica_s3_policy_document" "this" {
  bucket    = "my-lab-data"
  prefix    = "ica"
  versioned = true
}

resource "aws_iam_policy" "ica" {
  name   = "illumina-ica-admin-policy"
  policy = data.ica_s3_policy_document.this.json
}

output "cors_rule" {
  value = jsondecode(data.ica_s3_policy_document.this.cors_rule_json)
}
