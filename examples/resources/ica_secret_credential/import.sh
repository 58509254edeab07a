# By UUID
terraform import ica_secret_credential.lab 0a6e4e52-1b7e-4a3f-9e0b-6c1d2f3a4b5c

# By name
terraform import ica_secret_credential.lab name:lab-data-credential
