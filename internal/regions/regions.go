// Package regions is the one place that knows how ICA regions map to AWS regions.
//
// The ICA API never returns the AWS region of an ICA region, so the provider carries the table from
// ICA's help pages. Live ICA regions are matched to rows on the country's ISO code, because the API's
// country names may differ from the documentation's ("UK" vs "United Kingdom").
package regions

import (
	"fmt"
	"sort"
	"strings"
)

// Region is one row of the table.
type Region struct {
	// Name is the ICA region name as the documentation spells it.
	Name string
	// AWSRegion is where the bucket (and any KMS key) must live.
	AWSRegion string
	// CountryCode is the ISO 3166-1 alpha-2 code ICA returns in country.code.
	CountryCode string
	// Note carries a limitation of the region, empty when there is none.
	Note string
	// Aliases are other spellings accepted by ByName.
	Aliases []string
}

var table = []Region{
	{Name: "Australia", AWSRegion: "ap-southeast-2", CountryCode: "AU"},
	{Name: "Canada", AWSRegion: "ca-central-1", CountryCode: "CA"},
	{Name: "Germany", AWSRegion: "eu-central-1", CountryCode: "DE", Aliases: []string{"Europe"}},
	{Name: "India", AWSRegion: "ap-south-1", CountryCode: "IN"},
	{Name: "Indonesia", AWSRegion: "ap-southeast-3", CountryCode: "ID"},
	{Name: "Israel", AWSRegion: "il-central-1", CountryCode: "IL"},
	{Name: "Japan", AWSRegion: "ap-northeast-1", CountryCode: "JP"},
	{Name: "Singapore", AWSRegion: "ap-southeast-1", CountryCode: "SG"},
	{Name: "South Korea", AWSRegion: "ap-northeast-2", CountryCode: "KR", Aliases: []string{"Korea"},
		Note: "BaseSpace Sequence Hub (BSSH) is not deployed in this region, so sequencer integration is limited."},
	{Name: "UK", AWSRegion: "eu-west-2", CountryCode: "GB", Aliases: []string{"United Kingdom", "Great Britain"}},
	{Name: "United Arab Emirates", AWSRegion: "me-central-1", CountryCode: "AE", Aliases: []string{"UAE"}},
	{Name: "United States", AWSRegion: "us-east-1", CountryCode: "US", Aliases: []string{"US", "USA"}},
}

// All returns a copy of the table in its documented order.
func All() []Region {
	out := make([]Region, len(table))
	for i, r := range table {
		r.Aliases = append([]string(nil), r.Aliases...)
		out[i] = r
	}
	return out
}

// Names returns the ICA region names in table order.
func Names() []string {
	out := make([]string, len(table))
	for i, r := range table {
		out[i] = r.Name
	}
	return out
}

// AWSRegions returns the AWS regions of the table, sorted.
func AWSRegions() []string {
	out := make([]string, len(table))
	for i, r := range table {
		out[i] = r.AWSRegion
	}
	sort.Strings(out)
	return out
}

// ByName finds a region by its name or an alias, ignoring case and surrounding spaces.
func ByName(name string) (Region, error) {
	want := strings.TrimSpace(name)
	for _, r := range table {
		if strings.EqualFold(r.Name, want) {
			return r, nil
		}
		for _, a := range r.Aliases {
			if strings.EqualFold(a, want) {
				return r, nil
			}
		}
	}
	return Region{}, fmt.Errorf("%q is not an ICA region. Valid names: %s (\"Europe\" is accepted for Germany)",
		name, strings.Join(Names(), ", "))
}

// ByAWSRegion finds the ICA region whose data lives in the given AWS region.
func ByAWSRegion(awsRegion string) (Region, error) {
	want := strings.ToLower(strings.TrimSpace(awsRegion))
	for _, r := range table {
		if r.AWSRegion == want {
			return r, nil
		}
	}
	return Region{}, fmt.Errorf("no ICA region uses AWS region %q. AWS regions with an ICA region: %s",
		awsRegion, strings.Join(AWSRegions(), ", "))
}

// ByCountryCode finds the row for an ISO country code as returned by the ICA API.
func ByCountryCode(code string) (Region, bool) {
	for _, r := range table {
		if strings.EqualFold(r.CountryCode, strings.TrimSpace(code)) {
			return r, true
		}
	}
	return Region{}, false
}
