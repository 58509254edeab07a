package ica

// Wire types of the ICA v2 REST API (spec version "3"). Field names follow the published OpenAPI
// document exactly. Times are kept as strings: the provider only displays them, and a format surprise
// must never break decoding. Unknown fields are ignored by encoding/json, so new server fields are safe.

// MediaType is what ICA returns and what the client sends in Accept and Content-Type.
const MediaType = "application/vnd.illumina.v3+json"

// CredentialTypeAWSUser is the only storage credential type in the public API.
const CredentialTypeAWSUser = "AWS_USER"

// StorageTypeAWSS3 is the only storage configuration type in the public API.
const StorageTypeAWSS3 = "AWS_S3"

// Storage configuration statuses. Other values are passed through unchanged.
const (
	StatusInitializing = "INITIALIZING"
	StatusOK           = "OK"
	StatusError        = "ERROR"
)

type Country struct {
	ID     string `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	Region string `json:"region"`
}

type Region struct {
	ID           string  `json:"id"`
	Code         string  `json:"code"`
	CityName     string  `json:"cityName"`
	Country      Country `json:"country"`
	OwnerID      string  `json:"ownerId"`
	TenantID     string  `json:"tenantId"`
	TenantName   *string `json:"tenantName,omitempty"`
	TimeCreated  string  `json:"timeCreated"`
	TimeModified string  `json:"timeModified"`
}

// AWSCredentials carries a secret: never log it, never put it in an error.
type AWSCredentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

type CreateStorageCredential struct {
	Name           string          `json:"name"`
	Type           string          `json:"type"`
	AWSCredentials *AWSCredentials `json:"awsCredentials,omitempty"`
}

// StorageCredential is what ICA returns; secrets are never returned.
type StorageCredential struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Type         string  `json:"type"`
	OwnerID      string  `json:"ownerId"`
	TenantID     string  `json:"tenantId"`
	TenantName   *string `json:"tenantName,omitempty"`
	TimeCreated  string  `json:"timeCreated"`
	TimeModified string  `json:"timeModified"`
}

type AWSDetails struct {
	BucketName                    string  `json:"bucketName"`
	KeyPrefix                     *string `json:"keyPrefix,omitempty"`
	ServerSideEncryptionAlgorithm *string `json:"serverSideEncryptionAlgorithm,omitempty"`
	ServerSideEncryptionKey       *string `json:"serverSideEncryptionKey,omitempty"`
}

type CreateStorageConfiguration struct {
	Name                string      `json:"name"`
	Description         *string     `json:"description,omitempty"`
	StorageCredentialID string      `json:"storageCredentialId"`
	Type                string      `json:"type"`
	RegionID            string      `json:"regionId"`
	AWSDetails          *AWSDetails `json:"awsDetails,omitempty"`
}

type StorageConfiguration struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Description  *string `json:"description,omitempty"`
	Type         string  `json:"type"`
	Status       string  `json:"status"`
	ErrorMessage *string `json:"errorMessage,omitempty"`
	Region       Region  `json:"region"`
	IsDefault    bool    `json:"isDefault"`
	OwnerID      string  `json:"ownerId"`
	TenantID     string  `json:"tenantId"`
	TenantName   *string `json:"tenantName,omitempty"`
	TimeCreated  string  `json:"timeCreated"`
	TimeModified string  `json:"timeModified"`
}

// StorageConfigurationDetails is the body of GET /api/storageConfigurations/{id}/details and the
// storageConfigurationDetails member of list items. StorageCredential is undocumented (the live service
// returns it in the list): use it when present, never require it.
type StorageConfigurationDetails struct {
	AWSS3             *AWSDetails           `json:"awsS3,omitempty"`
	StorageCredential *StorageCredentialRef `json:"storageCredential,omitempty"`
}

type StorageCredentialRef struct {
	ID string `json:"id"`
}

type StorageConfigurationWithDetails struct {
	StorageConfiguration
	StorageConfigurationDetails *StorageConfigurationDetails `json:"storageConfigurationDetails,omitempty"`
}
