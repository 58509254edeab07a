import {
  to = ica_s3_connection.lab
  identity = {
    bucket          = "my-lab-data"
    iam_user_name   = "illumina_ica_admin"
    credential_name = "lab-data-credential"
  }
}
