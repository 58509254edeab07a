# Every visible project of the tenant.
list "ica_project" "all" {
  provider = ica
}

# Only the project named exactly "Lab runs".
list "ica_project" "lab" {
  provider = ica

  config {
    name = "Lab runs"
  }
}
