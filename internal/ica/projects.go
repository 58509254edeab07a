package ica

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Project billing modes and analysis priorities of the OpenAPI document.
const (
	BillingModeProject = "PROJECT"
	BillingModeTenant  = "TENANT"
	PriorityMedium     = "MEDIUM"
)

// ProjectTags are a project's tags; the document requires both lists.
type ProjectTags struct {
	TechnicalTags []string `json:"technicalTags"`
	UserTags      []string `json:"userTags"`
}

// StorageBundle is the storage entitlement a project in a region uses.
type StorageBundle struct {
	ID              string  `json:"id"`
	BundleName      string  `json:"bundleName"`
	EntitlementName string  `json:"entitlementName"`
	Region          Region  `json:"region"`
	OwnerID         string  `json:"ownerId"`
	TenantID        string  `json:"tenantId"`
	TenantName      *string `json:"tenantName,omitempty"`
	TimeCreated     string  `json:"timeCreated"`
	TimeModified    string  `json:"timeModified"`
}

// IDRef is the id of an embedded object (a metadata model).
type IDRef struct {
	ID string `json:"id"`
}

// Project is what ICA returns. A PUT sends the whole project back, so UpdateProject works on the raw
// JSON and changes only the updatable members: fields ICA adds later survive an update.
type Project struct {
	ID                              string                `json:"id"`
	Name                            string                `json:"name"`
	URN                             *string               `json:"urn,omitempty"`
	Active                          bool                  `json:"active"`
	ShortDescription                *string               `json:"shortDescription,omitempty"`
	Information                     *string               `json:"information,omitempty"`
	Region                          Region                `json:"region"`
	BillingMode                     string                `json:"billingMode"`
	DataSharingEnabled              *bool                 `json:"dataSharingEnabled,omitempty"`
	Tags                            ProjectTags           `json:"tags"`
	StorageBundle                   *StorageBundle        `json:"storageBundle,omitempty"`
	SelfManagedStorageConfiguration *StorageConfiguration `json:"selfManagedStorageConfiguration,omitempty"`
	AnalysisPriority                *string               `json:"analysisPriority,omitempty"`
	MetadataModel                   *IDRef                `json:"metadataModel,omitempty"`
	OwnerID                         string                `json:"ownerId"`
	TenantID                        string                `json:"tenantId"`
	TenantName                      *string               `json:"tenantName,omitempty"`
	TimeCreated                     string                `json:"timeCreated"`
	TimeModified                    string                `json:"timeModified"`
}

// StorageConfigurationID is the id of the project's self-managed storage, "" on ICA's own storage.
func (p *Project) StorageConfigurationID() string {
	if p.SelfManagedStorageConfiguration == nil {
		return ""
	}
	return p.SelfManagedStorageConfiguration.ID
}

// CreateProject is the body of POST /api/projects.
type CreateProject struct {
	Name                          string       `json:"name"`
	ShortDescription              *string      `json:"shortDescription,omitempty"`
	Information                   *string      `json:"information,omitempty"`
	RegionID                      string       `json:"regionId"`
	BillingMode                   string       `json:"billingMode"`
	DataSharingEnabled            bool         `json:"dataSharingEnabled"`
	Tags                          *ProjectTags `json:"tags,omitempty"`
	StorageBundleID               string       `json:"storageBundleId"`
	MetadataModelID               *string      `json:"metadataModelId,omitempty"`
	StorageConfigurationID        *string      `json:"storageConfigurationId,omitempty"`
	StorageConfigurationSubfolder *string      `json:"storageConfigurationSubfolder,omitempty"`
	AnalysisPriority              *string      `json:"analysisPriority,omitempty"`
}

// ProjectUpdate holds the fields the document lists as updatable, as they should be after the PUT.
type ProjectUpdate struct {
	ShortDescription   *string
	Information        *string
	BillingMode        string
	DataSharingEnabled bool
	Tags               ProjectTags
	StorageBundleID    string
	MetadataModelID    *string
	AnalysisPriority   string
}

// projectPageSize is the page size of project lists; ICA documents no maximum, so it stays modest.
const projectPageSize = 100

// ListStorageBundles is GET /api/storageBundles, which takes no parameters: filter on the client.
func (c *Client) ListStorageBundles(ctx context.Context) ([]StorageBundle, error) {
	var out listOf[StorageBundle]
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/storageBundles", out: &out, idempotent: true})
	return out.Items, err
}

// CreateProject is not retried after an ambiguous failure (ICA may have made the project, and a
// hidden one is permanent): the caller finds it by name instead.
// The ETag returned is the new project's.
func (c *Client) CreateProject(ctx context.Context, in CreateProject) (*Project, string, error) {
	var out Project
	var etag string
	if err := c.do(ctx, request{method: http.MethodPost, path: "/api/projects", body: in, out: &out, etag: &etag}); err != nil {
		return nil, "", err
	}
	return &out, etag, nil
}

// GetProject returns the project and its ETag (list items carry none).
func (c *Client) GetProject(ctx context.Context, id string) (*Project, string, error) {
	seg, err := pathID("project", id)
	if err != nil {
		return nil, "", err
	}
	var out Project
	var etag string
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/projects/" + seg, out: &out, etag: &etag, idempotent: true}); err != nil {
		return nil, "", err
	}
	return &out, etag, nil
}

// ListProjects returns every project that search matches (free text; "" for all), hidden ones when
// includeHidden, paging through the whole list.
func (c *Client) ListProjects(ctx context.Context, search string, includeHidden bool) ([]Project, error) {
	var all []Project
	for offset := 0; ; {
		q := url.Values{"pageOffset": {strconv.Itoa(offset)}, "pageSize": {strconv.Itoa(projectPageSize)}}
		if search != "" {
			q.Set("search", search)
		}
		if includeHidden {
			q.Set("includeHiddenProjects", "true")
		}
		var page struct {
			Items          []Project `json:"items"`
			TotalItemCount *int64    `json:"totalItemCount"`
		}
		if err := c.do(ctx, request{method: http.MethodGet, path: "/api/projects", query: q.Encode(), out: &page, idempotent: true}); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		offset += len(page.Items)
		if len(page.Items) < projectPageSize || (page.TotalItemCount != nil && int64(offset) >= *page.TotalItemCount) {
			return all, nil
		}
	}
}

// FindProjectsByName returns the projects named exactly name, hidden ones included: search is free
// text, so the names are compared here.
func (c *Client) FindProjectsByName(ctx context.Context, name string) ([]Project, error) {
	list, err := c.ListProjects(ctx, name, true)
	if err != nil {
		return nil, err
	}
	var out []Project
	for _, p := range list {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out, nil
}

// ErrProjectChanged is returned by UpdateProject when the project's ETag is not the expected one.
type ErrProjectChanged struct{ ID, Name string }

func (e *ErrProjectChanged) Error() string {
	return fmt.Sprintf("ICA project %q (%s) was changed outside Terraform since it was last read, so the update would overwrite "+
		"that change: run terraform plan again to see the change, then apply", e.Name, e.ID)
}

// UpdateProject is the read-modify-write PUT: GET the project (body and ETag), set the updatable
// members, PUT it back with If-Match. expectedETag, when set, is the ETag the plan was made from; a
// different one (or ICA's 409/412 on the PUT) means someone else changed the project, reported as
// *ErrProjectChanged rather than overwritten. A changed bundle or metadata model is embedded whole, as
// the document's Project requires. The PUT is not retried after an ambiguous failure: a repeat would
// carry a stale ETag. The ETag returned is the updated project's.
func (c *Client) UpdateProject(ctx context.Context, id, expectedETag string, u ProjectUpdate) (*Project, string, error) {
	seg, err := pathID("project", id)
	if err != nil {
		return nil, "", err
	}
	var raw map[string]json.RawMessage
	var etag string
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/projects/" + seg, out: &raw, etag: &etag, idempotent: true}); err != nil {
		return nil, "", err
	}
	var current Project
	if err := remarshal(raw, &current); err != nil {
		return nil, "", fmt.Errorf("decoding ICA project %s: %w", id, err)
	}
	if expectedETag != "" && etag != "" && etag != expectedETag {
		return nil, "", &ErrProjectChanged{ID: id, Name: current.Name}
	}
	set := func(key string, v any) {
		b, _ := json.Marshal(v) // strings, bools, slices and decoded JSON only
		raw[key] = b
	}
	set("shortDescription", u.ShortDescription)
	set("information", u.Information)
	set("billingMode", u.BillingMode)
	set("dataSharingEnabled", u.DataSharingEnabled)
	set("tags", ProjectTags{TechnicalTags: orEmpty(u.Tags.TechnicalTags), UserTags: orEmpty(u.Tags.UserTags)})
	set("analysisPriority", u.AnalysisPriority)
	if current.StorageBundle == nil || current.StorageBundle.ID != u.StorageBundleID {
		bundle, err := c.storageBundleJSON(ctx, u.StorageBundleID)
		if err != nil {
			return nil, "", err
		}
		raw["storageBundle"] = bundle
	}
	if err := c.setMetadataModel(ctx, raw, current.MetadataModel, u.MetadataModelID); err != nil {
		return nil, "", err
	}
	var out Project
	var newETag string
	req := request{method: http.MethodPut, path: "/api/projects/" + seg, body: raw, out: &out, ifMatch: etag, etag: &newETag}
	if err := c.do(ctx, req); err != nil {
		if hasStatus(err, http.StatusConflict) || hasStatus(err, http.StatusPreconditionFailed) {
			return nil, "", fmt.Errorf("%w (%v)", &ErrProjectChanged{ID: id, Name: current.Name}, err)
		}
		return nil, "", err
	}
	return &out, newETag, nil
}

// storageBundleJSON is the bundle as ICA lists it, whole: a PUT must embed every required member.
func (c *Client) storageBundleJSON(ctx context.Context, id string) (json.RawMessage, error) {
	var out listOf[json.RawMessage]
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/storageBundles", out: &out, idempotent: true}); err != nil {
		return nil, err
	}
	for _, raw := range out.Items {
		var b IDRef
		if json.Unmarshal(raw, &b) == nil && b.ID == id {
			return raw, nil
		}
	}
	return nil, fmt.Errorf("storage bundle %s is not among the %d storage bundles ICA lists for this tenant: use data.ica_storage_bundle to look one up", id, len(out.Items))
}

// setMetadataModel embeds the metadata model (GET /api/metadataModels/{id}) when it changes, or null.
func (c *Client) setMetadataModel(ctx context.Context, raw map[string]json.RawMessage, current *IDRef, want *string) error {
	switch {
	case want == nil && current == nil, want != nil && current != nil && current.ID == *want:
		return nil
	case want == nil:
		raw["metadataModel"] = json.RawMessage("null")
		return nil
	}
	seg, err := pathID("metadata model", *want)
	if err != nil {
		return err
	}
	var model json.RawMessage
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/metadataModels/" + seg, out: &model, idempotent: true}); err != nil {
		return err
	}
	raw["metadataModel"] = model
	return nil
}

// HideProject is :hide (ICA cannot delete a project). Hiding twice changes nothing, so it is retried.
func (c *Client) HideProject(ctx context.Context, id string) error {
	seg, err := pathID("project", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{method: http.MethodPost, path: "/api/projects/" + seg + ":hide", idempotent: true})
}

// ProjectSubfolder asks the undocumented GET /api/projects/{id}/selfManagedStorageConfiguration,
// which public tooling uses, for the project's storage subfolder. The answer is decoded tolerantly;
// a 404, or an answer without a subfolder, means unknown (known is false).
func (c *Client) ProjectSubfolder(ctx context.Context, id string) (subfolder string, known bool, err error) {
	seg, err := pathID("project", id)
	if err != nil {
		return "", false, err
	}
	var raw map[string]any
	err = c.do(ctx, request{method: http.MethodGet, path: "/api/projects/" + seg + "/selfManagedStorageConfiguration", out: &raw, idempotent: true})
	if IsNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	for _, key := range []string{"storageConfigurationSubfolder", "subfolder", "subFolder", "folder"} {
		if s, ok := raw[key].(string); ok && strings.TrimSpace(s) != "" {
			return s, true, nil
		}
	}
	return "", false, nil
}

func remarshal(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
