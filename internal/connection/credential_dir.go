package connection

import (
	"context"
	"slices"
	"sync"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaobjects"
	"github.com/ica-tf/terraform-provider-ica/internal/wait"
)

// credentialDirectory reads ICA's credential list once per provider process (the list endpoint returns
// every credential in one call) and keeps it current with our own creations.
type credentialDirectory struct {
	ica   Credentials
	lists wait.Shared[[]ica.StorageCredential]

	mu     sync.Mutex
	loaded bool
	items  []ica.StorageCredential
}

func (d *credentialDirectory) list(ctx context.Context) ([]ica.StorageCredential, error) {
	d.mu.Lock()
	if d.loaded {
		items := append([]ica.StorageCredential(nil), d.items...)
		d.mu.Unlock()
		return items, nil
	}
	d.mu.Unlock()
	items, err := d.lists.Do(ctx, "list", func(ctx context.Context) ([]ica.StorageCredential, error) {
		// A caller that found the list unloaded just before another's list finished starts a new flight:
		// it must not list again.
		d.mu.Lock()
		if d.loaded {
			items := d.items
			d.mu.Unlock()
			return items, nil
		}
		d.mu.Unlock()
		items, err := d.ica.ListStorageCredentials(ctx)
		if err != nil {
			return nil, err
		}
		d.mu.Lock()
		d.items, d.loaded = items, true
		d.mu.Unlock()
		return items, nil
	})
	if err != nil {
		return nil, err
	}
	return append([]ica.StorageCredential(nil), items...), nil
}

// ByID returns the credential with that id, or nil.
func (d *credentialDirectory) ByID(ctx context.Context, id string) (*ica.StorageCredential, error) {
	items, err := d.list(ctx)
	if err != nil {
		return nil, err
	}
	return find(items, func(c ica.StorageCredential) bool { return c.ID == id }), nil
}

// ByName returns the credential with that name, or nil; several of that name are an
// *icaobjects.AmbiguousNameError listing their UUIDs (the one adopt-by-name rule of the provider).
func (d *credentialDirectory) ByName(ctx context.Context, name string) (*ica.StorageCredential, error) {
	items, err := d.list(ctx)
	if err != nil {
		return nil, err
	}
	return icaobjects.AdoptByName(items, "storage credentials", name,
		func(c ica.StorageCredential) string { return c.Name },
		func(c ica.StorageCredential) string { return c.ID })
}

func (d *credentialDirectory) added(c ica.StorageCredential) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.loaded {
		d.items = append(d.items, c)
	}
}

// forget drops the cached list so the next lookup reads ICA again (after a conflict showed it stale).
func (d *credentialDirectory) forget() {
	d.mu.Lock()
	d.loaded, d.items = false, nil
	d.mu.Unlock()
}

func find(items []ica.StorageCredential, match func(ica.StorageCredential) bool) *ica.StorageCredential {
	if i := slices.IndexFunc(items, match); i >= 0 {
		return &items[i]
	}
	return nil
}
