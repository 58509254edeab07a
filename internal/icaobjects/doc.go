// Package icaobjects holds the rules for the ICA objects the provider manages one by one, storage
// credentials and storage configurations, as plain Go over small interfaces that *ica.Client implements:
// the one adoption-by-name rule (adopt.go), the credential's adoption (credential.go), the storage
// configuration's spec, comparison and adoption (storage_configuration.go), and the wait for ICA's
// validation (wait.go). internal/provider turns what they return into Terraform state and diagnostics.
package icaobjects
