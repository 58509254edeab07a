package icaobjects

import (
	"context"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

// CredentialLister lists ICA storage credentials.
type CredentialLister interface {
	ListStorageCredentials(ctx context.Context) ([]ica.StorageCredential, error)
}

// Credentials is what credential adoption needs from ICA.
type Credentials interface {
	CredentialLister
	UpdateStorageCredentialSecrets(ctx context.Context, id string, creds ica.AWSCredentials) error
}

// CredentialNamed returns the one storage credential called name (nil when there is none), by the
// AdoptByName rule.
func CredentialNamed(ctx context.Context, api CredentialLister, name string) (*ica.StorageCredential, error) {
	all, err := api.ListStorageCredentials(ctx)
	if err != nil {
		return nil, &CallError{Action: "list", Object: "storage credentials", Err: err}
	}
	return AdoptByName(all, "storage credentials", name,
		func(c ica.StorageCredential) string { return c.Name },
		func(c ica.StorageCredential) string { return c.ID })
}

// AdoptCredential adopts the existing storage credential called name, if any, by sending it creds: ICA
// cannot delete credentials, so destroy-then-create must not pile them up. It returns nil when there is
// none to adopt.
func AdoptCredential(ctx context.Context, api Credentials, name string, creds ica.AWSCredentials) (*ica.StorageCredential, error) {
	cred, err := CredentialNamed(ctx, api, name)
	if err != nil || cred == nil {
		return nil, err
	}
	if err := api.UpdateStorageCredentialSecrets(ctx, cred.ID, creds); err != nil {
		return nil, &CallError{Action: "update the secrets of", Object: "storage credential", Name: name, Err: err}
	}
	return cred, nil
}
