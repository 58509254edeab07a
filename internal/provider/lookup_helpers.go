package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

// idOrName is the config validator of the lookups: exactly one of id and name.
func idOrName() []datasource.ConfigValidator {
	return []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name"))}
}

// pickOne is the lookup rule of the data sources for objects made in the ICA UI: by id (case-insensitive)
// or by exact name; none is an error listing what exists, several an error listing their UUIDs.
func pickOne[T any](kind string, items []T, id, name string, idOf, nameOf func(T) string) (*T, error) {
	var matches []T
	for _, it := range items {
		if (id != "" && strings.EqualFold(idOf(it), id)) || (id == "" && nameOf(it) == name) {
			matches = append(matches, it)
		}
	}
	describe := func(list []T) string {
		if len(list) == 0 {
			return "none"
		}
		parts := make([]string, len(list))
		for i, it := range list {
			parts[i] = fmt.Sprintf("%q (%s)", nameOf(it), idOf(it))
		}
		return strings.Join(parts, ", ")
	}
	what := fmt.Sprintf("named %q", name)
	if id != "" {
		what = "with id " + id
	}
	switch len(matches) {
	case 1:
		return &matches[0], nil
	case 0:
		return nil, fmt.Errorf("ICA has no %s %s. The %ss ICA lists: %s", kind, what, kind, describe(items))
	default:
		ids := make([]string, len(matches))
		for i, m := range matches {
			ids[i] = idOf(m)
		}
		return nil, fmt.Errorf("ICA has %d %ss %s: %s. Look it up by id instead", len(matches), kind, what, strings.Join(ids, ", "))
	}
}
