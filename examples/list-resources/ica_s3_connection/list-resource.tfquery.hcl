# Connections this provider made (their IAM users carry its ownership tags), e.g. after a lost state.
list "ica_s3_connection" "ours" {
  provider = ica

  config {
    bucket = "my-lab-data"
  }
}

# A connection made by hand with ICA's documented steps: name its bucket and ICA credential.
list "ica_s3_connection" "by_hand" {
  provider = ica

  config {
    bucket          = "my-lab-data"
    credential_name = "lab-data-credential"
  }
}
