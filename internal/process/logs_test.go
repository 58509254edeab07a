package process

import (
	"reflect"
	"testing"
)

func TestQuietUnreadLogs(t *testing.T) {
	off := map[string]string{"TF_LOG_SDK": "off", "TF_LOG_SDK_PROTO": "off", "TF_LOG_SDK_FRAMEWORK": "off", "TF_LOG_PROVIDER_ICA": "off"}
	for _, tc := range []struct {
		name    string
		environ []string
		debug   bool
		want    map[string]string
	}{
		{"nothing asks for logs", []string{"HOME=/root", "TF_IN_AUTOMATION=1", "TF_CLI_CONFIG_FILE=/x"}, false, off},
		{"an empty TF_LOG is unset", []string{"TF_LOG="}, false, off},
		{"TF_LOG shows provider logs", []string{"TF_LOG=trace"}, false, map[string]string{}},
		{"TF_LOG_PROVIDER shows provider logs", []string{"TF_LOG_PROVIDER=debug"}, false, map[string]string{}},
		{"a level the user chose is kept", []string{"TF_LOG_SDK_FRAMEWORK=info"}, false, map[string]string{}},
		{"TF_LOG_PATH is left alone", []string{"TF_LOG_PATH=/tmp/tf.log"}, false, map[string]string{}},
		{"a debug run writes to the developer's terminal", nil, true, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]string{}
			err := QuietUnreadLogs(tc.environ, tc.debug, func(k, v string) error { got[k] = v; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("set %v, want %v", got, tc.want)
			}
		})
	}
}
