// Package process holds the settings of the provider process that main applies before serving.
package process

import "strings"

// unreadLogLevels are the terraform-plugin-log levels of the loggers the provider's requests write to: the
// SDK's and its protocol subsystem's (terraform-plugin-go), the framework's, and the provider's own (which
// the ICA API subsystem follows unless TF_LOG_PROVIDER_ICA_API is set).
var unreadLogLevels = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_ICA"}

// QuietUnreadLogs turns the provider's loggers off when Terraform will not show what they write. Unless
// told otherwise they log everything at TRACE to stderr, and Terraform drops those lines unless TF_LOG or
// TF_LOG_PROVIDER is set: a plan of 600 resources wrote and discarded tens of thousands of JSON lines
// (BENCHMARKS.md). environ is the process environment (os.Environ); setenv is os.Setenv. Any TF_LOG*
// variable (TF_LOG, TF_LOG_PROVIDER, TF_LOG_PATH, TF_LOG_SDK, ...) leaves everything as it is, as does a
// debug run (-debug), whose stderr the developer reads directly.
func QuietUnreadLogs(environ []string, debug bool, setenv func(key, value string) error) error {
	if debug {
		return nil
	}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TF_LOG") && v != "" {
			return nil
		}
	}
	for _, k := range unreadLogLevels {
		if err := setenv(k, "off"); err != nil {
			return err
		}
	}
	return nil
}
