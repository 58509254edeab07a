package ica

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// logSubsystem is the tflog subsystem of every ICA log line. Its level follows the provider's
// (TF_LOG / TF_LOG_PROVIDER) unless TF_LOG_PROVIDER_ICA_API sets its own.
const logSubsystem = "ica"

const redacted = "***"

// sensitiveKeys are header names and JSON members whose values are never logged (compared
// case-insensitively).
var sensitiveKeys = []string{"authorization", "x-api-key", "token", "secretaccesskey", "apikey", "password", "access_token"}

func isSensitiveKey(k string) bool {
	for _, s := range sensitiveKeys {
		if strings.EqualFold(k, s) {
			return true
		}
	}
	return false
}

func logContext(ctx context.Context) context.Context {
	ctx = tflog.NewSubsystem(ctx, logSubsystem, tflog.WithLevelFromEnv("TF_LOG_PROVIDER_ICA", "API"))
	return tflog.SubsystemMaskFieldValuesWithFieldKeys(ctx, logSubsystem, sensitiveKeys...)
}

// maskSecrets makes tflog replace the given strings wherever they would appear, as a second line
// of defence behind the redaction of headers and bodies below.
func maskSecrets(ctx context.Context, secrets []string) context.Context {
	nonEmpty := make([]string, 0, len(secrets))
	for _, s := range secrets {
		if s != "" {
			nonEmpty = append(nonEmpty, s)
		}
	}
	if len(nonEmpty) == 0 {
		return ctx
	}
	ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, logSubsystem, nonEmpty...)
	return tflog.SubsystemMaskMessageStrings(ctx, logSubsystem, nonEmpty...)
}

func logRequest(ctx context.Context, req request, header http.Header, body []byte) {
	if !tflog.SubsystemIsTrace(ctx, logSubsystem) {
		return
	}
	tflog.SubsystemTrace(ctx, logSubsystem, "ICA request", map[string]any{
		"method":  req.method,
		"path":    req.path,
		"headers": redactHeaders(header),
		"body":    redactBody(body),
	})
}

func logResponse(ctx context.Context, req request, status int, elapsed time.Duration, header http.Header, body []byte) {
	tflog.SubsystemDebug(ctx, logSubsystem, "ICA call", map[string]any{
		"method":      req.method,
		"path":        req.path,
		"status":      status,
		"duration_ms": elapsed.Milliseconds(),
	})
	if !tflog.SubsystemIsTrace(ctx, logSubsystem) {
		return
	}
	tflog.SubsystemTrace(ctx, logSubsystem, "ICA response", map[string]any{
		"method":  req.method,
		"path":    req.path,
		"status":  status,
		"headers": redactHeaders(header),
		"body":    redactBody(body),
	})
}

func logFailure(ctx context.Context, req request, elapsed time.Duration, err error) {
	tflog.SubsystemDebug(ctx, logSubsystem, "ICA call failed", map[string]any{
		"method":      req.method,
		"path":        req.path,
		"duration_ms": elapsed.Milliseconds(),
		"error":       err.Error(),
	})
}

func redactHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if isSensitiveKey(k) {
			out[k] = redacted
			continue
		}
		out[k] = strings.Join(v, ", ")
	}
	return out
}

// redactBody renders a body for TRACE logs with sensitive JSON members replaced. A body that is
// not JSON is logged as is (error pages), bounded in size; tflog's string masks still apply.
func redactBody(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		const limit = 2048
		if len(body) > limit {
			return fmt.Sprintf("%s… (%d bytes, not JSON)", strings.ToValidUTF8(string(body[:limit]), ""), len(body))
		}
		return strings.ToValidUTF8(string(body), "")
	}
	out, err := json.Marshal(redactValue(v))
	if err != nil {
		return fmt.Sprintf("(%d bytes)", len(body))
	}
	return string(out)
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if isSensitiveKey(k) {
				t[k] = redacted
			} else {
				t[k] = redactValue(val)
			}
		}
	case []any:
		for i := range t {
			t[i] = redactValue(t[i])
		}
	}
	return v
}

// retryLogger routes go-retryablehttp's messages (retries, transport failures) into tflog.
type retryLogger struct{ ctx context.Context }

func (l retryLogger) fields(kv []any) map[string]any {
	fields := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		key := fmt.Sprint(kv[i])
		switch v := kv[i+1].(type) {
		case error:
			fields[key] = v.Error()
		case time.Duration:
			fields[key] = v.String()
		default:
			fields[key] = v
		}
	}
	return fields
}

// Debug: "performing request" repeats the call log, so it is kept for TRACE.
func (l retryLogger) Debug(msg string, kv ...any) {
	if msg == "performing request" {
		tflog.SubsystemTrace(l.ctx, logSubsystem, "ICA "+msg, l.fields(kv))
		return
	}
	tflog.SubsystemDebug(l.ctx, logSubsystem, "ICA "+msg, l.fields(kv))
}

func (l retryLogger) Info(msg string, kv ...any) {
	tflog.SubsystemInfo(l.ctx, logSubsystem, "ICA "+msg, l.fields(kv))
}

func (l retryLogger) Warn(msg string, kv ...any) {
	tflog.SubsystemWarn(l.ctx, logSubsystem, "ICA "+msg, l.fields(kv))
}

// Error: a failed attempt is retried or reported to the caller as an error, so it is a warning here.
func (l retryLogger) Error(msg string, kv ...any) {
	tflog.SubsystemWarn(l.ctx, logSubsystem, "ICA "+msg, l.fields(kv))
}
