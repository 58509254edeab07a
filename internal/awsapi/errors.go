package awsapi

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
)

// notFoundCodes are the AWS error codes meaning "the object asked for does not exist".
var notFoundCodes = map[string]bool{
	"NoSuchBucket":            true,
	"NotFound":                true, // HeadBucket and other bodiless 404s
	"NoSuchEntity":            true, // IAM
	"NoSuchCORSConfiguration": true,
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// mapErr wraps AWS errors so the converger can test them with errors.Is: not-found codes wrap
// connection.ErrNotFound, EntityAlreadyExists wraps connection.ErrAlreadyExists, DeleteConflict wraps
// connection.ErrDeleteConflict. The original error
// (operation, code, message, request id) stays in the chain for the diagnostic.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	code := errorCode(err)
	switch {
	case notFoundCodes[code]:
		return fmt.Errorf("%w (%w)", err, connection.ErrNotFound)
	case code == "EntityAlreadyExists":
		return fmt.Errorf("%w (%w)", err, connection.ErrAlreadyExists)
	case code == "DeleteConflict":
		return fmt.Errorf("%w (%w)", err, connection.ErrDeleteConflict)
	}
	return err
}
