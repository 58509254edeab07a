package ica

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// The operations of ica-api.md. Custom verbs (":share") are appended to an escaped id, giving an
// absolute path under the base URL's own path (/ica/rest/api/...:share).

// pathID escapes an id as one path segment. ':' is escaped as well, so that an odd id can never
// turn into a custom verb; an empty id would address the collection instead, so it is refused.
func pathID(kind, id string) (string, error) {
	if strings.TrimSpace(id) == "" {
		return "", fmt.Errorf("the %s id is empty: an ICA %s id is a UUID", kind, kind)
	}
	return strings.ReplaceAll(url.PathEscape(id), ":", "%3A"), nil
}

type listOf[T any] struct {
	Items []T `json:"items"`
}

func (c *Client) ListRegions(ctx context.Context) ([]Region, error) {
	var out listOf[Region]
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/regions", out: &out, idempotent: true})
	return out.Items, err
}

func (c *Client) GetRegion(ctx context.Context, id string) (*Region, error) {
	seg, err := pathID("region", id)
	if err != nil {
		return nil, err
	}
	var out Region
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/regions/" + seg, out: &out, idempotent: true}); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) ListStorageCredentials(ctx context.Context) ([]StorageCredential, error) {
	var out listOf[StorageCredential]
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/storageCredentials", out: &out, idempotent: true})
	return out.Items, err
}

func (c *Client) GetStorageCredential(ctx context.Context, id string) (*StorageCredential, error) {
	seg, err := pathID("storage credential", id)
	if err != nil {
		return nil, err
	}
	var out StorageCredential
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/storageCredentials/" + seg, out: &out, idempotent: true}); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) CreateStorageCredential(ctx context.Context, in CreateStorageCredential) (*StorageCredential, error) {
	var out StorageCredential
	req := request{method: http.MethodPost, path: "/api/storageCredentials", body: in, out: &out}
	if in.AWSCredentials != nil {
		req.secrets = []string{in.AWSCredentials.SecretAccessKey}
	}
	if err := c.do(ctx, req); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateStorageCredentialSecrets replaces the key ICA holds. Repeating it with the same key changes
// nothing, so it is retried like a read.
func (c *Client) UpdateStorageCredentialSecrets(ctx context.Context, id string, creds AWSCredentials) error {
	seg, err := pathID("storage credential", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{
		method: http.MethodPost,
		path:   "/api/storageCredentials/" + seg + ":updateSecrets",
		body: struct {
			AWSCredentials AWSCredentials `json:"awsCredentials"`
		}{creds},
		idempotent: true,
		secrets:    []string{creds.SecretAccessKey},
	})
}

func (c *Client) ShareStorageCredential(ctx context.Context, id string) error {
	seg, err := pathID("storage credential", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{method: http.MethodPost, path: "/api/storageCredentials/" + seg + ":share", idempotent: true})
}

func (c *Client) ListStorageConfigurations(ctx context.Context) ([]StorageConfigurationWithDetails, error) {
	var out listOf[StorageConfigurationWithDetails]
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/storageConfigurations", out: &out, idempotent: true})
	return out.Items, err
}

func (c *Client) GetStorageConfiguration(ctx context.Context, id string) (*StorageConfiguration, error) {
	seg, err := pathID("storage configuration", id)
	if err != nil {
		return nil, err
	}
	var out StorageConfiguration
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/storageConfigurations/" + seg, out: &out, idempotent: true}); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) GetStorageConfigurationDetails(ctx context.Context, id string) (*StorageConfigurationDetails, error) {
	seg, err := pathID("storage configuration", id)
	if err != nil {
		return nil, err
	}
	var out StorageConfigurationDetails
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/storageConfigurations/" + seg + "/details", out: &out, idempotent: true}); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) CreateStorageConfiguration(ctx context.Context, in CreateStorageConfiguration) (*StorageConfiguration, error) {
	var out StorageConfiguration
	if err := c.do(ctx, request{method: http.MethodPost, path: "/api/storageConfigurations", body: in, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// ValidateStorageConfiguration asks ICA to re-check a configuration; the result shows up later in
// its status.
func (c *Client) ValidateStorageConfiguration(ctx context.Context, id string) error {
	seg, err := pathID("storage configuration", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{method: http.MethodPost, path: "/api/storageConfigurations/" + seg + ":validate", idempotent: true})
}

func (c *Client) ShareStorageConfiguration(ctx context.Context, id string) error {
	seg, err := pathID("storage configuration", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{method: http.MethodPost, path: "/api/storageConfigurations/" + seg + ":share", idempotent: true})
}
