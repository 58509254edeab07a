import {
  to = ica_secret_credential.lab
  id = "name:lab-data-credential"
}
