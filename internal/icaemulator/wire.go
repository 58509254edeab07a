package icaemulator

// Wire shapes of the ICA API as the emulator writes and reads them. They are deliberately separate from
// internal/ica's types so that a mistake in one is caught by tests of the other. Nullable fields of the
// OpenAPI document are pointers without omitempty: the emulator sends an explicit null, which a client
// must tolerate.

type wireCountry struct {
	ID           string  `json:"id"`
	TimeCreated  string  `json:"timeCreated"`
	TimeModified string  `json:"timeModified"`
	OwnerID      string  `json:"ownerId"`
	TenantID     string  `json:"tenantId"`
	TenantName   *string `json:"tenantName"`
	Code         string  `json:"code"`
	Name         string  `json:"name"`
	Region       string  `json:"region"`
}

type wireRegion struct {
	ID           string      `json:"id"`
	TimeCreated  string      `json:"timeCreated"`
	TimeModified string      `json:"timeModified"`
	OwnerID      string      `json:"ownerId"`
	TenantID     string      `json:"tenantId"`
	TenantName   *string     `json:"tenantName"`
	Code         string      `json:"code"`
	Country      wireCountry `json:"country"`
	CityName     string      `json:"cityName"`
}

type wireStorageCredential struct {
	ID           string  `json:"id"`
	TimeCreated  string  `json:"timeCreated"`
	TimeModified string  `json:"timeModified"`
	OwnerID      string  `json:"ownerId"`
	TenantID     string  `json:"tenantId"`
	TenantName   *string `json:"tenantName"`
	Name         string  `json:"name"`
	Type         string  `json:"type"`
}

type wireAWSDetails struct {
	BucketName                    string  `json:"bucketName"`
	KeyPrefix                     *string `json:"keyPrefix"`
	ServerSideEncryptionAlgorithm *string `json:"serverSideEncryptionAlgorithm"`
	ServerSideEncryptionKey       *string `json:"serverSideEncryptionKey"`
}

type wireStorageConfiguration struct {
	ID           string     `json:"id"`
	TimeCreated  string     `json:"timeCreated"`
	TimeModified string     `json:"timeModified"`
	OwnerID      string     `json:"ownerId"`
	TenantID     string     `json:"tenantId"`
	TenantName   *string    `json:"tenantName"`
	Name         string     `json:"name"`
	Description  *string    `json:"description"`
	Type         string     `json:"type"`
	Status       string     `json:"status"`
	ErrorMessage *string    `json:"errorMessage"`
	Region       wireRegion `json:"region"`
	IsDefault    bool       `json:"isDefault"`
}

type wireCredentialRef struct {
	ID string `json:"id"`
}

// wireDetails is StorageConfigurationDetails. StorageCredential is not in the OpenAPI document but the live
// service returns it in list items; the /details endpoint leaves it out.
type wireDetails struct {
	AWSS3             wireAWSDetails     `json:"awsS3"`
	StorageCredential *wireCredentialRef `json:"storageCredential,omitempty"`
}

type wireStorageConfigurationWithDetails struct {
	wireStorageConfiguration
	StorageConfigurationDetails wireDetails `json:"storageConfigurationDetails"`
}

type wireList[T any] struct {
	Items []T `json:"items"`
}

type wireToken struct {
	Token string `json:"token"`
}

// wireProblem is RFC 7807 as ICA extends it; type, title, status, parameters and timestamp are always present.
type wireProblem struct {
	Type       string            `json:"type"`
	Title      string            `json:"title"`
	Status     int               `json:"status"`
	Detail     string            `json:"detail,omitempty"`
	Instance   string            `json:"instance,omitempty"`
	Parameters map[string]string `json:"parameters"`
	Timestamp  string            `json:"timestamp"`
	ID         string            `json:"id"`
}

// Request bodies. Pointers tell "absent or null" from "empty", as ICA's bean validation does.

type reqAWSCredentials struct {
	AccessKeyID     *string `json:"accessKeyId"`
	SecretAccessKey *string `json:"secretAccessKey"`
}

type reqCreateStorageCredential struct {
	Name           *string            `json:"name"`
	Type           *string            `json:"type"`
	AWSCredentials *reqAWSCredentials `json:"awsCredentials"`
}

type reqUpdateSecrets struct {
	AWSCredentials *reqAWSCredentials `json:"awsCredentials"`
}

type reqAWSDetails struct {
	BucketName                    *string `json:"bucketName"`
	KeyPrefix                     *string `json:"keyPrefix"`
	ServerSideEncryptionAlgorithm *string `json:"serverSideEncryptionAlgorithm"`
	ServerSideEncryptionKey       *string `json:"serverSideEncryptionKey"`
}

type reqCreateStorageConfiguration struct {
	Name                *string        `json:"name"`
	Description         *string        `json:"description"`
	StorageCredentialID *string        `json:"storageCredentialId"`
	Type                *string        `json:"type"`
	RegionID            *string        `json:"regionId"`
	AWSDetails          *reqAWSDetails `json:"awsDetails"`
}
