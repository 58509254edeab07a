// Package ica is the client for the Illumina Connected Analytics (ICA) REST API subset the provider
// uses: tokens, regions, storage credentials and storage configurations.
//
// One Client per provider process. It trades an API key for a JWT once (lazily, on the first call),
// re-authenticates once on 401, retries 429/5xx/network errors with exponential backoff and jitter
// (honouring Retry-After), limits each attempt (Config.RequestTimeout) and stops calling an endpoint that
// did not answer in time (stall.go), decodes problem+json errors into *APIError, and logs every call
// through tflog with credentials masked.
package ica
