# Adopting a connection made by hand with ICA's documented steps (CORS rule, policy
# illumina-ica-admin-policy, user illumina_ica_admin, access key, secret credential in the ICA UI).
# Write the configuration that matches what exists, import, and `terraform plan` shows no changes.
# The prefix is read from the policy's object statement (BUCKET/runs/*), the key from the user's single
# active key, and the CORS rule is the one allowing https://ica.illumina.com (accepted without an ID).
import {
  to = ica_s3_connection.hand_made
  id = "my-lab-data:illumina_ica_admin:my-lab-credential"
}

resource "ica_s3_connection" "hand_made" {
  bucket          = "my-lab-data"
  prefix          = "runs"
  iam_user_name   = "illumina_ica_admin"
  iam_policy_name = "illumina-ica-admin-policy"
  credential_name = "my-lab-credential"
}
