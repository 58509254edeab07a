package icaemulator

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Projects follow the document's Project, CreateProject and ProjectPagedList. Where ICA is silent the
// emulator chooses, and says so here and in its README:
//   - names are unique across the tenant, hidden projects included (a duplicate create is a 409): ICA
//     documents no unhide, so a hidden project's name is treated as taken for good;
//   - a subfolder is a folder inside the storage configuration's prefix, normalised like a prefix (one
//     trailing "/" is ignored) and refused with a leading "/", "." or ".." segments or empty segments;
//   - two projects may not share a storage configuration at overlapping folders, and a project on a
//     configuration's root (no subfolder) blocks it for every other project. ICA documents only the
//     last ("Conflict while updating file/folder"); the overlap rule is an assumption that keeps two
//     projects from writing into the same objects;
//   - a PUT with an If-Match that is not the current ETag is a 409, as the document says; whether ICA
//     answers 412 instead is not documented. A PUT may not change id, name, region or storage
//     configuration (400), and a hidden project cannot be changed (409);
//   - list paging is offset based (pageOffset, pageSize default 30, at most 1000); search matches the
//     name, short description or information as a case-insensitive substring.

var projectNamePattern = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_\s-]*$`)

const (
	defaultProjectPageSize = 30
	maxProjectPageSize     = 1000
	nounProject            = "Project"
)

type project struct {
	object
	name             string
	region           *emulatedRegion
	bundle           *storageBundle
	billingMode      string
	dataSharing      bool
	shortDescription *string
	information      *string
	userTags         []string
	technicalTags    []string
	analysisPriority string
	config           *storageConfig // nil on ICA's own storage
	subfolder        string         // normalised, without the trailing "/"; "" is the configuration's root
	hidden           bool
}

func (e *Emulator) projectKind() kind {
	return kind{
		noun:   nounProject,
		find:   func(id string) *object { _, o := lookup(e.projects, id); return o },
		remove: func(id string) (ok bool) { e.projects, ok = remove(e.projects, id); return ok },
	}
}

func (e *Emulator) projectWire(p *project) wireProject {
	tenant := TenantName
	urn := "urn:ilmn:ica:project:" + p.id + "#" + p.name
	owner := e.ownerID
	priority := p.analysisPriority
	sharing := p.dataSharing
	bundle := e.bundleWire(p.bundle)
	out := wireProject{
		ID:                 p.id,
		TimeCreated:        timestamp(p.created),
		TimeModified:       timestamp(p.modified),
		OwnerID:            e.ownerID,
		TenantID:           e.tenantID,
		TenantName:         &tenant,
		URN:                &urn,
		Name:               p.name,
		Active:             !p.hidden,
		ShortDescription:   p.shortDescription,
		Information:        p.information,
		Region:             p.region.wire,
		BillingMode:        p.billingMode,
		DataSharingEnabled: &sharing,
		Tags:               wireProjectTags{TechnicalTags: orEmpty(p.technicalTags), UserTags: orEmpty(p.userTags)},
		StorageBundle:      &bundle,
		AnalysisPriority:   &priority,
		ProjectOwner:       &owner,
	}
	if p.config != nil {
		e.monitor(p.config)
		c := e.configWire(p.config)
		out.SelfManagedStorageConfiguration = &c
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// normalizeSubfolder returns the subfolder without its trailing "/", or what is wrong with it.
func normalizeSubfolder(s string) (string, string) {
	if s == "" {
		return "", "must not be empty; leave it out for the configuration's root"
	}
	if strings.HasPrefix(s, "/") {
		return "", `must not start with "/"`
	}
	trimmed := strings.TrimSuffix(s, "/")
	for _, seg := range strings.Split(trimmed, "/") {
		switch seg {
		case "":
			return "", "must not contain empty folder names"
		case ".", "..":
			return "", `must not contain "." or ".." folders (S3 cannot store them)`
		}
	}
	return trimmed, ""
}

// overlaps tells whether two subfolders of one configuration share objects ("" is the root).
func overlaps(a, b string) bool {
	return a == "" || b == "" || a == b || strings.HasPrefix(a, b+"/") || strings.HasPrefix(b, a+"/")
}

func (e *Emulator) getProject(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e.mu.Lock()
	p, _ := lookup(e.projects, id)
	var out wireProject
	var tag string
	if p != nil {
		out, tag = e.projectWire(p), p.etag()
	}
	e.mu.Unlock()
	if p == nil {
		writeNotFound(w, r, nounProject, id)
		return
	}
	w.Header().Set("ETag", tag)
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) listProjects(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bad := fieldErrors{}
	includeHidden := false
	if v := q.Get("includeHiddenProjects"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad["includeHiddenProjects"] = "must be true or false"
		}
		includeHidden = b
	}
	offset, size := 0, defaultProjectPageSize
	if v := q.Get("pageOffset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			bad["pageOffset"] = "must be a non-negative integer"
		}
		offset = n
	}
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxProjectPageSize {
			bad["pageSize"] = fmt.Sprintf("must be an integer between 1 and %d", maxProjectPageSize)
		}
		size = n
	}
	if len(bad) > 0 {
		writeProblem(w, r, http.StatusBadRequest, "The project list parameters are invalid.", bad)
		return
	}
	search := strings.ToLower(q.Get("search"))
	region := q.Get("region")

	e.mu.Lock()
	var matched []*project
	for _, p := range e.projects {
		if (p.hidden && !includeHidden) || (region != "" && p.region.wire.ID != region) ||
			!hasAll(p.userTags, q["userTags"]) || !hasAll(p.technicalTags, q["technicalTags"]) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(p.name), search) &&
			!strings.Contains(strings.ToLower(deref(p.shortDescription)), search) &&
			!strings.Contains(strings.ToLower(deref(p.information)), search) {
			continue
		}
		matched = append(matched, p)
	}
	total := int64(len(matched))
	items := []wireProject{}
	for i := offset; i < len(matched) && i < offset+size; i++ {
		items = append(items, e.projectWire(matched[i]))
	}
	e.mu.Unlock()
	next := ""
	writeJSON(w, http.StatusOK, wireProjectPage{Items: items, NextPageToken: &next, TotalItemCount: &total})
}

func hasAll(have, want []string) bool {
	for _, t := range want {
		if !slices.Contains(have, t) {
			return false
		}
	}
	return true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (e *Emulator) createProject(w http.ResponseWriter, r *http.Request) {
	var req reqCreateProject
	if !decodeBody(w, r, &req) {
		return
	}
	bad := fieldErrors{}
	if bad.required("name", req.Name) && bad.size("name", *req.Name, 1, 255) {
		bad.pattern("name", *req.Name, projectNamePattern)
	}
	if req.ShortDescription != nil {
		bad.size("shortDescription", *req.ShortDescription, 1, 4000)
	}
	bad.enum("billingMode", req.BillingMode, "PROJECT", "TENANT")
	if req.DataSharingEnabled == nil {
		bad["dataSharingEnabled"] = "must not be null"
	}
	if req.AnalysisPriority != nil {
		bad.enum("analysisPriority", req.AnalysisPriority, "LOW", "MEDIUM", "HIGH")
	}
	regionID, regionOK := bad.uuidField("regionId", req.RegionID)
	bundleID, bundleOK := bad.uuidField("storageBundleId", req.StorageBundleID)
	if req.MetadataModelID != nil {
		bad["metadataModelId"] = fmt.Sprintf("metadata model %s does not exist", *req.MetadataModelID)
	}
	if req.ProjectOwnerID != nil && *req.ProjectOwnerID != e.ownerID {
		bad["projectOwnerId"] = fmt.Sprintf("user %s does not exist in this tenant", *req.ProjectOwnerID)
	}
	var configID string
	configOK := false
	if req.StorageConfigurationID != nil {
		configID, configOK = bad.uuidField("storageConfigurationId", req.StorageConfigurationID)
	}
	subfolder := ""
	if req.StorageConfigurationSubfolder != nil {
		if req.StorageConfigurationID == nil {
			bad["storageConfigurationSubfolder"] = "needs a storageConfigurationId"
		} else if s, why := normalizeSubfolder(*req.StorageConfigurationSubfolder); why != "" {
			bad["storageConfigurationSubfolder"] = why
		} else {
			subfolder = s
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	var region *emulatedRegion
	if regionOK {
		if region = e.findRegion(regionID); region == nil {
			bad["regionId"] = fmt.Sprintf("region %s does not exist or is not available to you", regionID)
		}
	}
	var bundle *storageBundle
	if bundleOK {
		bundle = e.findBundle(bundleID)
		switch {
		case bundle == nil:
			bad["storageBundleId"] = fmt.Sprintf("storage bundle %s does not exist or is not available to you", bundleID)
		case region != nil && bundle.region != region:
			bad["storageBundleId"] = fmt.Sprintf("storage bundle %s is in region %s, not in the project's region %s", bundleID, bundle.region.name, region.name)
		}
	}
	var config *storageConfig
	if configOK {
		config = e.findConfig(configID)
		if config != nil {
			e.monitor(config)
		}
		switch {
		case config == nil:
			bad["storageConfigurationId"] = fmt.Sprintf("storage configuration %s does not exist", configID)
		case region != nil && config.region != region:
			bad["storageConfigurationId"] = fmt.Sprintf("storage configuration %s is in region %s, not in the project's region %s", configID, config.region.name, region.name)
		case config.status != statusOK:
			bad["storageConfigurationId"] = fmt.Sprintf("storage configuration %s is %s: %s", configID, config.status, deref(config.errorMessage))
		}
	}
	if len(bad) > 0 {
		writeProblem(w, r, http.StatusBadRequest, "The project is invalid.", bad)
		return
	}
	for _, p := range e.projects {
		if p.name == *req.Name {
			writeProblem(w, r, http.StatusConflict, fmt.Sprintf("A project named %s already exists (id %s, hidden: %t).", p.name, p.id, p.hidden),
				map[string]string{"name": "must be unique"})
			return
		}
		if config != nil && p.config == config && overlaps(p.subfolder, subfolder) {
			writeProblem(w, r, http.StatusConflict, fmt.Sprintf("Conflict while updating file/folder: project %s (id %s) already uses folder %q of storage configuration %s.",
				p.name, p.id, p.subfolder, config.name), map[string]string{"storageConfigurationSubfolder": "overlaps another project's folder"})
			return
		}
	}
	now := time.Now()
	p := &project{
		object:           object{id: uuid.NewString(), created: now, modified: now, version: 1},
		name:             *req.Name,
		region:           region,
		bundle:           bundle,
		billingMode:      *req.BillingMode,
		dataSharing:      *req.DataSharingEnabled,
		shortDescription: req.ShortDescription,
		information:      req.Information,
		analysisPriority: "MEDIUM",
		config:           config,
		subfolder:        subfolder,
	}
	if req.AnalysisPriority != nil {
		p.analysisPriority = *req.AnalysisPriority
	}
	if req.Tags != nil {
		p.userTags, p.technicalTags = req.Tags.UserTags, req.Tags.TechnicalTags
	}
	e.projects = append(e.projects, p)
	w.Header().Set("ETag", p.etag())
	writeJSON(w, http.StatusCreated, e.projectWire(p))
}

// updateProject is PUT: the whole Project, of which the fields the document lists as updatable are taken.
func (e *Emulator) updateProject(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e.mu.Lock()
	_, exists := lookup(e.projects, id)
	e.mu.Unlock()
	if exists == nil {
		writeNotFound(w, r, nounProject, id)
		return
	}
	var req reqUpdateProject
	if !decodeBody(w, r, &req) {
		return
	}
	bad := fieldErrors{}
	bad.enum("billingMode", req.BillingMode, "PROJECT", "TENANT")
	if req.AnalysisPriority != nil {
		bad.enum("analysisPriority", req.AnalysisPriority, "LOW", "MEDIUM", "HIGH")
	}
	if req.ShortDescription != nil {
		bad.size("shortDescription", *req.ShortDescription, 1, 4000)
	}
	if req.Tags == nil {
		bad["tags"] = "must not be null"
	}
	if req.MetadataModel != nil && req.MetadataModel.ID != nil {
		bad["metadataModel.id"] = fmt.Sprintf("metadata model %s does not exist", *req.MetadataModel.ID)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	p, _ := lookup(e.projects, id)
	if p == nil {
		writeNotFound(w, r, nounProject, id)
		return
	}
	if m := r.Header.Get("If-Match"); m != "" && m != p.etag() {
		writeProblem(w, r, http.StatusConflict, fmt.Sprintf("Project %s was changed since ETag %s was read (it is now %s): read it again and reapply the change.", id, m, p.etag()), nil)
		return
	}
	if p.hidden {
		writeProblem(w, r, http.StatusConflict, fmt.Sprintf("Project %s is hidden and cannot be changed.", id), nil)
		return
	}
	e.checkIdentity(bad, p, &req)
	bundle := p.bundle
	if req.StorageBundle != nil && req.StorageBundle.ID != nil {
		switch b := e.findBundle(*req.StorageBundle.ID); {
		case b == nil:
			bad["storageBundle.id"] = fmt.Sprintf("storage bundle %s does not exist or is not available to you", *req.StorageBundle.ID)
		case b.region != p.region:
			bad["storageBundle.id"] = fmt.Sprintf("storage bundle %s is in region %s, not in the project's region %s", b.id, b.region.name, p.region.name)
		default:
			bundle = b
		}
	}
	if len(bad) > 0 {
		writeProblem(w, r, http.StatusBadRequest, "The project update is invalid.", bad)
		return
	}
	p.shortDescription, p.information = req.ShortDescription, req.Information
	p.billingMode = *req.BillingMode
	if req.DataSharingEnabled != nil {
		p.dataSharing = *req.DataSharingEnabled
	}
	p.userTags, p.technicalTags = req.Tags.UserTags, req.Tags.TechnicalTags
	p.bundle = bundle
	if req.AnalysisPriority != nil { // the document: absent or null keeps the value
		p.analysisPriority = *req.AnalysisPriority
	}
	p.touch()
	w.Header().Set("ETag", p.etag())
	writeJSON(w, http.StatusOK, e.projectWire(p))
}

// checkIdentity refuses a PUT that would change what the document does not list as updatable.
func (e *Emulator) checkIdentity(bad fieldErrors, p *project, req *reqUpdateProject) {
	const fixed = "cannot be changed (not updatable)"
	if req.ID != nil && *req.ID != p.id {
		bad["id"] = fixed
	}
	if req.Name != nil && *req.Name != p.name {
		bad["name"] = fixed
	}
	if req.Region != nil && req.Region.ID != nil && *req.Region.ID != p.region.wire.ID {
		bad["region.id"] = fixed
	}
	if s := req.SelfManagedStorageConfiguration; s != nil && s.ID != nil && (p.config == nil || *s.ID != p.config.id) {
		bad["selfManagedStorageConfiguration.id"] = fixed
	}
}

// hideProject is :hide; hiding again is a no-op. ICA has no unhide.
func (e *Emulator) hideProject(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e.mu.Lock()
	p, _ := lookup(e.projects, id)
	if p != nil && !p.hidden {
		p.hidden = true
		p.touch()
	}
	e.mu.Unlock()
	if p == nil {
		writeNotFound(w, r, nounProject, id)
		return
	}
	writeNoContent(w)
}

// wireProjectStorage is the emulator's answer to the undocumented GET
// /api/projects/{id}/selfManagedStorageConfiguration. ICA does not document it; the member names are
// CreateProject's, a guess that clients must decode tolerantly.
type wireProjectStorage struct {
	StorageConfigurationID        string `json:"storageConfigurationId"`
	StorageConfigurationSubfolder string `json:"storageConfigurationSubfolder"`
}

func (e *Emulator) projectStorage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e.mu.Lock()
	p, _ := lookup(e.projects, id)
	var out wireProjectStorage
	if p != nil && p.config != nil {
		out = wireProjectStorage{StorageConfigurationID: p.config.id, StorageConfigurationSubfolder: p.subfolder}
	}
	e.mu.Unlock()
	switch {
	case e.opts.NoProjectSubfolder:
		writeNotFoundRoute(w, r)
	case p == nil:
		writeNotFound(w, r, nounProject, id)
	case p.config == nil:
		writeProblem(w, r, http.StatusNotFound, fmt.Sprintf("Project %s has no self-managed storage.", id), nil)
	default:
		writeJSON(w, http.StatusOK, out)
	}
}

// ControlProject is one item of GET /_emulator/projects (hidden ones included).
type ControlProject struct {
	ID                            string `json:"id"`
	Name                          string `json:"name"`
	Hidden                        bool   `json:"hidden"`
	RegionID                      string `json:"regionId"`
	StorageConfigurationID        string `json:"storageConfigurationId"`
	StorageConfigurationSubfolder string `json:"storageConfigurationSubfolder"`
}

func (e *Emulator) controlProjects(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	out := make([]ControlProject, 0, len(e.projects))
	for _, p := range e.projects {
		cp := ControlProject{ID: p.id, Name: p.name, Hidden: p.hidden, RegionID: p.region.wire.ID, StorageConfigurationSubfolder: p.subfolder}
		if p.config != nil {
			cp.StorageConfigurationID = p.config.id
		}
		out = append(out, cp)
	}
	e.mu.Unlock()
	writeControlJSON(w, http.StatusOK, out)
}
