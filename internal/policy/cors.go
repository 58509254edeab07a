package policy

import (
	"encoding/json"
	"sort"
	"strings"
)

// DefaultOrigin is the ICA web origin that uploads from the browser.
const DefaultOrigin = "https://ica.illumina.com"

var (
	corsHeaders = []string{"*"}
	corsMethods = []string{"HEAD", "GET", "PUT", "POST", "DELETE"}
	corsExpose  = []string{"ETag", "x-amz-meta-custom-header"}
)

// CORSRule mirrors one S3 CORS rule losslessly, so rules that are not ours are written back exactly as
// they were read. An empty ID means the rule has none.
type CORSRule struct {
	ID             string   `json:"ID,omitempty"`
	AllowedHeaders []string `json:"AllowedHeaders,omitempty"`
	AllowedMethods []string `json:"AllowedMethods"`
	AllowedOrigins []string `json:"AllowedOrigins"`
	ExposeHeaders  []string `json:"ExposeHeaders,omitempty"`
	MaxAgeSeconds  *int32   `json:"MaxAgeSeconds,omitempty"`
}

// ICARule is the rule ICA needs: headers *, methods HEAD GET PUT POST DELETE, the origins, expose ETag
// and x-amz-meta-custom-header, no max age.
func ICARule(id string, origins []string) CORSRule {
	if len(origins) == 0 {
		origins = []string{DefaultOrigin}
	}
	return CORSRule{
		ID:             id,
		AllowedHeaders: append([]string{}, corsHeaders...),
		AllowedMethods: append([]string{}, corsMethods...),
		AllowedOrigins: append([]string{}, origins...),
		ExposeHeaders:  append([]string{}, corsExpose...),
	}
}

// JSON renders a rule deterministically (for the data source and diagnostics).
func (r CORSRule) JSON() string {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b)
}

// SameContent compares two rules ignoring their IDs and the order of each list. Methods are compared
// case-sensitively (S3 requires upper case), header names case-insensitively.
func SameContent(a, b CORSRule) bool {
	return sameSet(a.AllowedHeaders, b.AllowedHeaders, true) &&
		sameSet(a.AllowedMethods, b.AllowedMethods, false) &&
		sameSet(a.AllowedOrigins, b.AllowedOrigins, false) &&
		sameSet(a.ExposeHeaders, b.ExposeHeaders, true) &&
		sameMaxAge(a.MaxAgeSeconds, b.MaxAgeSeconds)
}

func sameMaxAge(a, b *int32) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func sameSet(a, b []string, fold bool) bool {
	norm := func(s []string) []string {
		out := make([]string, 0, len(s))
		for _, e := range s {
			if fold {
				e = strings.ToLower(e)
			}
			out = append(out, e)
		}
		sort.Strings(out)
		return dedupe(out)
	}
	na, nb := norm(a), norm(b)
	if len(na) != len(nb) {
		return false
	}
	for i := range na {
		if na[i] != nb[i] {
			return false
		}
	}
	return true
}

// FindCORS returns the index of our rule in rules, or -1. With an ID, ours is the rule carrying it
// (whatever its content, so an edited rule is still found and repaired). Without one (a hand-made rule
// adopted on import), ours is the first ID-less rule with exactly want's content.
func FindCORS(rules []CORSRule, want CORSRule) int {
	for i, r := range rules {
		if want.ID != "" && r.ID == want.ID {
			return i
		}
	}
	if want.ID == "" {
		return findIDLess(rules, want)
	}
	return -1
}

func findIDLess(rules []CORSRule, want CORSRule) int {
	for i, r := range rules {
		if r.ID == "" && SameContent(r, want) {
			return i
		}
	}
	return -1
}

// PutCORS returns rules with our rule in place and whether anything changed. Our rule is replaced where
// it stands; an ID-less rule with exactly our content is adopted (it gets our ID) instead of adding a
// duplicate; otherwise ours is appended. Every other rule is returned unchanged, in its position.
func PutCORS(rules []CORSRule, want CORSRule) ([]CORSRule, bool) {
	out := cloneRules(rules)
	i := FindCORS(out, want)
	if i < 0 && want.ID != "" {
		i = findIDLess(out, want)
	}
	if i < 0 {
		return append(out, cloneRule(want)), true
	}
	if out[i].ID == want.ID && SameContent(out[i], want) {
		return out, false
	}
	out[i] = cloneRule(want)
	return out, true
}

// RemoveCORS returns rules without our rule and whether it was there.
func RemoveCORS(rules []CORSRule, want CORSRule) ([]CORSRule, bool) {
	i := FindCORS(rules, want)
	if i < 0 {
		return cloneRules(rules), false
	}
	out := make([]CORSRule, 0, len(rules)-1)
	out = append(out, cloneRules(rules[:i])...)
	return append(out, cloneRules(rules[i+1:])...), true
}

func cloneRules(rules []CORSRule) []CORSRule {
	if rules == nil {
		return nil
	}
	out := make([]CORSRule, len(rules))
	for i, r := range rules {
		out[i] = cloneRule(r)
	}
	return out
}

func cloneRule(r CORSRule) CORSRule {
	c := r
	c.AllowedHeaders = cloneStrings(r.AllowedHeaders)
	c.AllowedMethods = cloneStrings(r.AllowedMethods)
	c.AllowedOrigins = cloneStrings(r.AllowedOrigins)
	c.ExposeHeaders = cloneStrings(r.ExposeHeaders)
	if r.MaxAgeSeconds != nil {
		v := *r.MaxAgeSeconds
		c.MaxAgeSeconds = &v
	}
	return c
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}
