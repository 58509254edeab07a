# BUCKET:IAM_USER_NAME:CREDENTIAL, where CREDENTIAL is the ICA storage credential UUID or its name.
terraform import ica_s3_connection.runs my-lab-data:illumina_ica_admin:0a6e4e52-1b7e-4a3f-9e0b-6c1d2f3a4b5c
terraform import ica_s3_connection.runs my-lab-data:illumina_ica_admin:my-lab-credential
