package icaobjects

import (
	"context"
	"errors"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

// fakeICA is an in-memory ICA tenant for the interfaces of this package. It records the calls made and
// can fail one operation (by name) with failWith.
type fakeICA struct {
	creds    []ica.StorageCredential
	configs  []ica.StorageConfigurationWithDetails
	details  map[string]*ica.StorageConfigurationDetails
	statuses []string // GetStorageConfiguration answers these in turn, then the last one again
	failOp   string
	calls    []string
	sent     map[string]ica.AWSCredentials
}

var errFake = errors.New("ICA answered 500")

func (f *fakeICA) call(op string) error {
	f.calls = append(f.calls, op)
	if op == f.failOp {
		return errFake
	}
	return nil
}

func (f *fakeICA) ListStorageCredentials(context.Context) ([]ica.StorageCredential, error) {
	if err := f.call("list credentials"); err != nil {
		return nil, err
	}
	return f.creds, nil
}

func (f *fakeICA) UpdateStorageCredentialSecrets(_ context.Context, id string, creds ica.AWSCredentials) error {
	if err := f.call("update secrets " + id); err != nil {
		return err
	}
	if f.sent == nil {
		f.sent = map[string]ica.AWSCredentials{}
	}
	f.sent[id] = creds
	return nil
}

func (f *fakeICA) ListStorageConfigurations(context.Context) ([]ica.StorageConfigurationWithDetails, error) {
	if err := f.call("list configurations"); err != nil {
		return nil, err
	}
	return f.configs, nil
}

func (f *fakeICA) GetStorageConfigurationDetails(_ context.Context, id string) (*ica.StorageConfigurationDetails, error) {
	if err := f.call("details " + id); err != nil {
		return nil, err
	}
	d, ok := f.details[id]
	if !ok {
		return nil, &ica.APIError{StatusCode: 404}
	}
	copied := *d
	return &copied, nil
}

func (f *fakeICA) ValidateStorageConfiguration(_ context.Context, id string) error {
	return f.call("validate " + id)
}

func (f *fakeICA) GetStorageConfiguration(_ context.Context, id string) (*ica.StorageConfiguration, error) {
	if err := f.call("get " + id); err != nil {
		return nil, err
	}
	status := f.statuses[0]
	if len(f.statuses) > 1 {
		f.statuses = f.statuses[1:]
	}
	sc := ica.StorageConfiguration{ID: id, Name: "runs", Status: status}
	if status == ica.StatusError {
		msg := "Access Denied."
		sc.ErrorMessage = &msg
	}
	return &sc, nil
}

func ptr(s string) *string { return &s }
