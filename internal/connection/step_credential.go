package connection

import (
	"context"
	"fmt"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

// sendKey hands the new key to the connection's ICA credential: the existing one (found by the state's
// id, or adopted by name) gets new secrets, a missing one is created.
func (r *run) sendKey(ctx context.Context, cred *ica.StorageCredential, secret ica.AWSCredentials) error {
	if cred != nil {
		if err := r.c.d.Credentials.UpdateStorageCredentialSecrets(ctx, cred.ID, secret); err != nil {
			return stepErr("sending the new access key to ICA storage credential", quote(cred.Name), err)
		}
		switch {
		case r.takenFrom != "":
			r.adopted(fmt.Sprintf("ICA storage credential %q (%s) was held by the connection of IAM user %q, of the same bucket and folder (a replacement such as create_before_destroy): it now holds this connection's new access key, and that user's key no longer reaches ICA", cred.Name, cred.ID, r.takenFrom))
		case r.credAdopted:
			r.adopted(fmt.Sprintf("ICA storage credential %q (%s) already existed and no other connection holds it: it was adopted and now holds the new access key", cred.Name, cred.ID))
		}
		return nil
	}
	created, err := r.c.createCredential(ctx, r.spec, secret)
	if err != nil {
		return err
	}
	r.update(func(st *State) { st.CredentialID, st.Shared = created.ID, false })
	return nil
}

// createCredential creates the credential holding secret. A conflict means someone created one of that
// name since the list was read: it is adopted by name and sent the secret, as the contract says.
func (c *Converger) createCredential(ctx context.Context, spec Spec, secret ica.AWSCredentials) (*ica.StorageCredential, error) {
	created, err := c.d.Credentials.CreateStorageCredential(ctx, ica.CreateStorageCredential{
		Name: spec.CredentialName, Type: ica.CredentialTypeAWSUser, AWSCredentials: &secret,
	})
	if err == nil {
		c.creds.added(*created)
		return created, nil
	}
	if !ica.IsConflict(err) {
		return nil, stepErr("creating ICA storage credential", quote(spec.CredentialName), err)
	}
	// Someone created it since we listed: adopt it by name, as the contract says.
	c.creds.forget()
	existing, lerr := c.creds.ByName(ctx, spec.CredentialName)
	if lerr != nil || existing == nil {
		return nil, stepErr("creating ICA storage credential", quote(spec.CredentialName), err)
	}
	if err := c.d.Credentials.UpdateStorageCredentialSecrets(ctx, existing.ID, secret); err != nil {
		return nil, stepErr("sending the new access key to ICA storage credential", quote(spec.CredentialName), err)
	}
	return existing, nil
}

// share shares the credential with the tenant's other users when asked and not done yet.
func (r *run) share(ctx context.Context) error {
	st := r.state()
	if !r.spec.Share || st.Shared {
		return nil
	}
	if err := r.c.d.Credentials.ShareStorageCredential(ctx, st.CredentialID); err != nil {
		return stepErr("sharing ICA storage credential", quote(r.spec.CredentialName), err)
	}
	r.update(func(st *State) { st.Shared = true })
	return nil
}
