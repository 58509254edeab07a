package icaemulator

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
)

const (
	storageTypeAWSS3    = "AWS_S3"
	statusInitializing  = "INITIALIZING"
	statusOK            = "OK"
	statusError         = "ERROR"
	errorMessageMaxSize = 1000
)

// keyPrefixPattern is the document's ^(?!/).*/$ without the lookahead (checked separately).
var keyPrefixPattern = regexp.MustCompile(`^.*/$`)

// storageConfig is a stored storage configuration.
type storageConfig struct {
	object
	name         string
	description  *string
	credentialID string
	region       *emulatedRegion
	bucket       string
	keyPrefix    *string
	sseAlgorithm *string
	sseKey       *string
	status       string
	errorMessage *string
	// generation counts validations; a validation result is kept only if no newer one has started.
	generation int
}

// findConfig returns the configuration with that id; callers hold e.mu.
func (e *Emulator) findConfig(id string) *storageConfig {
	c, _ := lookup(e.configs, id)
	return c
}

func (e *Emulator) findRegion(id string) *emulatedRegion {
	for i := range e.regions {
		if e.regions[i].wire.ID == id {
			return &e.regions[i]
		}
	}
	return nil
}

// monitor is the cheap part of ICA's ongoing monitoring, applied on every read: a settled configuration
// whose credential is gone turns ERROR. Callers hold e.mu.
func (e *Emulator) monitor(c *storageConfig) {
	if c.status == statusInitializing || e.findCredential(c.credentialID) != nil {
		return
	}
	msg := credentialGoneMessage(c.credentialID)
	if c.status != statusError || c.errorMessage == nil || *c.errorMessage != msg {
		c.status, c.errorMessage = statusError, &msg
		c.touch()
	}
}

func credentialGoneMessage(credentialID string) string {
	return fmt.Sprintf("Storage credential %s no longer exists; create the storage configuration again with a valid credential.", credentialID)
}

func (e *Emulator) configWire(c *storageConfig) wireStorageConfiguration {
	tenant := TenantName
	return wireStorageConfiguration{
		ID:           c.id,
		TimeCreated:  timestamp(c.created),
		TimeModified: timestamp(c.modified),
		OwnerID:      e.ownerID,
		TenantID:     e.tenantID,
		TenantName:   &tenant,
		Name:         c.name,
		Description:  c.description,
		Type:         storageTypeAWSS3,
		Status:       c.status,
		ErrorMessage: c.errorMessage,
		Region:       c.region.wire,
		IsDefault:    false,
	}
}

func (c *storageConfig) awsDetails() wireAWSDetails {
	return wireAWSDetails{
		BucketName:                    c.bucket,
		KeyPrefix:                     c.keyPrefix,
		ServerSideEncryptionAlgorithm: c.sseAlgorithm,
		ServerSideEncryptionKey:       c.sseKey,
	}
}

func (e *Emulator) listConfigs(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	items := make([]wireStorageConfigurationWithDetails, 0, len(e.configs))
	for _, c := range e.configs {
		e.monitor(c)
		items = append(items, wireStorageConfigurationWithDetails{
			wireStorageConfiguration: e.configWire(c),
			StorageConfigurationDetails: wireDetails{
				AWSS3:             c.awsDetails(),
				StorageCredential: &wireCredentialRef{ID: c.credentialID},
			},
		})
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, wireList[wireStorageConfigurationWithDetails]{Items: items})
}

func (e *Emulator) getConfig(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e.mu.Lock()
	c := e.findConfig(id)
	var out wireStorageConfiguration
	var tag string
	if c != nil {
		e.monitor(c)
		out, tag = e.configWire(c), c.etag()
	}
	e.mu.Unlock()
	if c == nil {
		writeNotFound(w, r, nounConfig, id)
		return
	}
	w.Header().Set("ETag", tag)
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) getConfigDetails(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e.mu.Lock()
	c := e.findConfig(id)
	var out wireDetails
	if c != nil {
		out = wireDetails{AWSS3: c.awsDetails()}
	}
	e.mu.Unlock()
	if c == nil {
		writeNotFound(w, r, nounConfig, id)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// isSSEAlgorithm accepts AES256 and aws:kms in any case (the document spells it AWS:KMS, the UI aws:kms).
func isSSEAlgorithm(s string) bool {
	return strings.EqualFold(s, "AES256") || strings.EqualFold(s, "aws:kms")
}

func (e *Emulator) createConfig(w http.ResponseWriter, r *http.Request) {
	var req reqCreateStorageConfiguration
	if !decodeBody(w, r, &req) {
		return
	}
	bad := fieldErrors{}
	if bad.required("name", req.Name) && bad.size("name", *req.Name, 3, 15) {
		bad.pattern("name", *req.Name, configNamePattern)
	}
	if req.Description != nil {
		bad.size("description", *req.Description, 0, 1000)
	}
	bad.enum("type", req.Type, storageTypeAWSS3)
	credID, credOK := bad.uuidField("storageCredentialId", req.StorageCredentialID)
	regionID, regionOK := bad.uuidField("regionId", req.RegionID)
	if d := req.AWSDetails; d == nil {
		bad["awsDetails"] = "must not be null"
	} else {
		if bad.required("awsDetails.bucketName", d.BucketName) {
			bad.size("awsDetails.bucketName", *d.BucketName, 3, 63)
		}
		if p := d.KeyPrefix; p != nil && (strings.HasPrefix(*p, "/") || !keyPrefixPattern.MatchString(*p)) {
			bad["awsDetails.keyPrefix"] = `must match "^(?!/).*/$" (no leading slash, a trailing slash)`
		}
		if a := d.ServerSideEncryptionAlgorithm; a != nil && !isSSEAlgorithm(*a) {
			bad["awsDetails.serverSideEncryptionAlgorithm"] = "must be AES256 or AWS:KMS"
		}
	}

	status, detail, params, out, tag := e.storeConfig(&req, bad, credID, credOK, regionID, regionOK)
	if status != http.StatusCreated {
		writeProblem(w, r, status, detail, params)
		return
	}
	w.Header().Set("ETag", tag)
	writeJSON(w, http.StatusCreated, out)
}

// storeConfig finishes the checks that need the store and saves the configuration. It returns 201 with
// the response, or the status, detail and parameters of the problem.
func (e *Emulator) storeConfig(req *reqCreateStorageConfiguration, bad fieldErrors, credID string, credOK bool,
	regionID string, regionOK bool) (int, string, map[string]string, wireStorageConfiguration, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if credOK && e.findCredential(credID) == nil {
		bad["storageCredentialId"] = fmt.Sprintf("storage credential %s does not exist", credID)
	}
	var region *emulatedRegion
	if regionOK {
		if region = e.findRegion(regionID); region == nil {
			bad["regionId"] = fmt.Sprintf("region %s does not exist or is not available to you", regionID)
		}
	}
	if len(bad) > 0 {
		return http.StatusBadRequest, "The storage configuration is invalid.", bad, wireStorageConfiguration{}, ""
	}
	for _, c := range e.configs {
		if c.name == *req.Name {
			return http.StatusConflict, fmt.Sprintf("A storage configuration named %s already exists (id %s).", *req.Name, c.id),
				map[string]string{"name": "must be unique"}, wireStorageConfiguration{}, ""
		}
	}
	now := time.Now()
	c := &storageConfig{
		object:       object{id: uuid.NewString(), created: now, modified: now},
		name:         *req.Name,
		description:  req.Description,
		credentialID: credID,
		region:       region,
		bucket:       *req.AWSDetails.BucketName,
		keyPrefix:    req.AWSDetails.KeyPrefix,
		sseAlgorithm: req.AWSDetails.ServerSideEncryptionAlgorithm,
		sseKey:       req.AWSDetails.ServerSideEncryptionKey,
	}
	e.configs = append(e.configs, c)
	e.startValidation(c)
	return http.StatusCreated, "", nil, e.configWire(c), c.etag()
}

// validateConfig is :validate: the configuration goes back to INITIALIZING and is checked again.
func (e *Emulator) validateConfig(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	e.mu.Lock()
	c := e.findConfig(id)
	if c != nil {
		e.startValidation(c)
	}
	e.mu.Unlock()
	if c == nil {
		writeNotFound(w, r, nounConfig, id)
		return
	}
	writeNoContent(w)
}
