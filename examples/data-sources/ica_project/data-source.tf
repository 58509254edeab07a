# A project made in the ICA UI, by name (or by id).
data "ica_project" "runs" {
  name = "Sequencing runs"
}

output "runs_project_id" {
  value = data.ica_project.runs.id
}
