package provider

import (
	"context"
	"fmt"
	"strings"
)

// projectsOnConfigurations is the part of a connection's destroy warning that names the visible projects
// on those storage configurations (", and the projects ... lose their storage"), or "" when there are
// none or ICA cannot say. One project list, only when some configuration uses the connection.
func projectsOnConfigurations(ctx context.Context, data *ProviderData, configIDs map[string]bool) string {
	projects, err := data.projects(ctx)
	if err != nil {
		return ""
	}
	var names []string
	for _, p := range projects {
		if id := p.StorageConfigurationID(); id != "" && configIDs[id] {
			names = append(names, fmt.Sprintf("%q (%s)", p.Name, p.ID))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return ", and the ICA projects on them lose their storage: " + strings.Join(names, ", ")
}
