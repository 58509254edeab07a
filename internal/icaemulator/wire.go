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

type wireStorageBundle struct {
	ID              string     `json:"id"`
	TimeCreated     string     `json:"timeCreated"`
	TimeModified    string     `json:"timeModified"`
	OwnerID         string     `json:"ownerId"`
	TenantID        string     `json:"tenantId"`
	TenantName      *string    `json:"tenantName"`
	BundleName      string     `json:"bundleName"`
	EntitlementName string     `json:"entitlementName"`
	Region          wireRegion `json:"region"`
}

type wireProjectTags struct {
	TechnicalTags []string `json:"technicalTags"`
	UserTags      []string `json:"userTags"`
}

// wireProject is Project. selfManagedStorageConfiguration is absent for projects on ICA's own storage;
// metadataModel and application are absent because the emulator has neither.
type wireProject struct {
	ID                              string                    `json:"id"`
	TimeCreated                     string                    `json:"timeCreated"`
	TimeModified                    string                    `json:"timeModified"`
	OwnerID                         string                    `json:"ownerId"`
	TenantID                        string                    `json:"tenantId"`
	TenantName                      *string                   `json:"tenantName"`
	URN                             *string                   `json:"urn"`
	Name                            string                    `json:"name"`
	Active                          bool                      `json:"active"`
	ShortDescription                *string                   `json:"shortDescription"`
	Information                     *string                   `json:"information"`
	Region                          wireRegion                `json:"region"`
	BillingMode                     string                    `json:"billingMode"`
	DataSharingEnabled              *bool                     `json:"dataSharingEnabled"`
	Tags                            wireProjectTags           `json:"tags"`
	StorageBundle                   *wireStorageBundle        `json:"storageBundle,omitempty"`
	SelfManagedStorageConfiguration *wireStorageConfiguration `json:"selfManagedStorageConfiguration,omitempty"`
	AnalysisPriority                *string                   `json:"analysisPriority"`
	ProjectOwner                    *string                   `json:"projectOwner"`
}

// wireProjectPage is ProjectPagedList as served with offset paging (nextPageToken empty).
type wireProjectPage struct {
	Items          []wireProject `json:"items"`
	NextPageToken  *string       `json:"nextPageToken"`
	TotalItemCount *int64        `json:"totalItemCount"`
}

type reqProjectTags struct {
	TechnicalTags []string `json:"technicalTags"`
	UserTags      []string `json:"userTags"`
}

type reqCreateProject struct {
	Name                          *string         `json:"name"`
	ShortDescription              *string         `json:"shortDescription"`
	Information                   *string         `json:"information"`
	ProjectOwnerID                *string         `json:"projectOwnerId"`
	RegionID                      *string         `json:"regionId"`
	BillingMode                   *string         `json:"billingMode"`
	DataSharingEnabled            *bool           `json:"dataSharingEnabled"`
	Tags                          *reqProjectTags `json:"tags"`
	StorageBundleID               *string         `json:"storageBundleId"`
	MetadataModelID               *string         `json:"metadataModelId"`
	StorageConfigurationID        *string         `json:"storageConfigurationId"`
	StorageConfigurationSubfolder *string         `json:"storageConfigurationSubfolder"`
	AnalysisPriority              *string         `json:"analysisPriority"`
}

type reqIDRef struct {
	ID *string `json:"id"`
}

type reqRegionRef struct {
	ID *string `json:"id"`
}

// reqUpdateProject is the parts of a PUT Project body the emulator reads: the updatable fields, and the
// identity fields it refuses to see changed.
type reqUpdateProject struct {
	ID                              *string         `json:"id"`
	Name                            *string         `json:"name"`
	ShortDescription                *string         `json:"shortDescription"`
	Information                     *string         `json:"information"`
	Region                          *reqRegionRef   `json:"region"`
	BillingMode                     *string         `json:"billingMode"`
	DataSharingEnabled              *bool           `json:"dataSharingEnabled"`
	Tags                            *reqProjectTags `json:"tags"`
	StorageBundle                   *reqIDRef       `json:"storageBundle"`
	SelfManagedStorageConfiguration *reqIDRef       `json:"selfManagedStorageConfiguration"`
	MetadataModel                   *reqIDRef       `json:"metadataModel"`
	AnalysisPriority                *string         `json:"analysisPriority"`
}
