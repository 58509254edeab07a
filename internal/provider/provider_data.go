package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/ica-tf/terraform-provider-ica/internal/awsapi"
	"github.com/ica-tf/terraform-provider-ica/internal/connection"
	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

// ProviderData is handed to every resource and data source in Configure: one per configured provider
// instance, holding the clients and what the instance's resources share.
type ProviderData struct {
	// ICA is never nil; without credentials its calls return ica.ErrNoCredentials.
	ICA *ica.Client
	// AWS is never nil; it loads the AWS configuration on first use.
	AWS *awsapi.Clients

	// connections converges every ica_s3_connection of the instance, so they share its bucket cache,
	// CORS locks and ICA credential list. Nil only in unit tests that build a ProviderData by hand.
	connections *connection.Converger
	// configList shares one ICA storage configuration list between the destroy plans of all
	// connections (a destroy of N connections lists once, not N times).
	configList sharedList[ica.StorageConfigurationWithDetails]
	// projectList does the same for the projects those warnings name.
	projectList sharedList[ica.Project]
}

func newProviderData(client *ica.Client, aws *awsapi.Clients) *ProviderData {
	return &ProviderData{
		ICA: client,
		AWS: aws,
		connections: connection.New(connection.Deps{
			S3:          aws.S3Adapter(),
			IAM:         aws.IAMAdapter(),
			Prober:      aws.KeyProber(),
			Credentials: client,

			Access:            aws.AccessTester(),
			ProbeCleaner:      aws.AccessTester(),
			BucketPolicies:    aws.S3Adapter(),
			AccessRetryWindow: accessRetryWindow(),
		}),
	}
}

// storageConfigurations lists ICA's storage configurations once per provider instance.
func (d *ProviderData) storageConfigurations(ctx context.Context) ([]ica.StorageConfigurationWithDetails, error) {
	return d.configList.get(ctx, d.ICA.ListStorageConfigurations)
}

// projects lists ICA's visible projects once per provider instance, for the connections' destroy warnings.
func (d *ProviderData) projects(ctx context.Context) ([]ica.Project, error) {
	return d.projectList.get(ctx, func(ctx context.Context) ([]ica.Project, error) { return d.ICA.ListProjects(ctx, "", false) })
}

// sharedList keeps the first successful result of a list call for every later caller. Only a success
// is kept: a failure (or the caller's own cancellation) belongs to that caller, and the next call lists
// again. Callers wait for one list in flight; each ICA request is bounded by the client's timeout.
type sharedList[T any] struct {
	mu    sync.Mutex
	ok    bool
	items []T
}

func (l *sharedList[T]) get(ctx context.Context, list func(context.Context) ([]T, error)) ([]T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ok {
		return l.items, nil
	}
	items, err := list(ctx)
	if err != nil {
		return nil, err
	}
	l.items, l.ok = items, true
	return items, nil
}

// providerDataFrom unpacks the provider's Configure result. It is nil before the provider is configured
// (e.g. during validation), which callers must tolerate.
func providerDataFrom(raw any, diags *diag.Diagnostics) *ProviderData {
	if raw == nil {
		return nil
	}
	data, ok := raw.(*ProviderData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *provider.ProviderData, got %T. This is a bug in the provider; please report it.", raw))
		return nil
	}
	return data
}
