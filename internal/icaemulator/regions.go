package icaemulator

import (
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/ica-tf/terraform-provider-ica/internal/regions"
)

// fixtureTime is when the emulator's built-in objects (regions, countries) claim to have been created.
const fixtureTime = "2021-03-01T00:00:00Z"

// emulatorNamespace makes every derived id stable across emulator processes, so tests and demos can
// rely on a region id without listing regions first.
var emulatorNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/ica-tf/terraform-provider-ica/internal/icaemulator"))

func stableID(name string) string {
	return uuid.NewSHA1(emulatorNamespace, []byte(name)).String()
}

// RegionID is the id the emulator gives the ICA region of an ISO country code (e.g. "US").
func RegionID(countryCode string) string {
	return stableID("ica-region:" + strings.ToUpper(countryCode))
}

// Plausible data-centre cities and continents per country; the API's real values are not published.
var regionPlaces = map[string]struct{ city, continent string }{
	"AU": {"Sydney", "Oceania"},
	"CA": {"Montreal", "North America"},
	"DE": {"Frankfurt", "Europe"},
	"IN": {"Mumbai", "Asia"},
	"ID": {"Jakarta", "Asia"},
	"IL": {"Tel Aviv", "Asia"},
	"JP": {"Tokyo", "Asia"},
	"SG": {"Singapore", "Asia"},
	"KR": {"Seoul", "Asia"},
	"GB": {"London", "Europe"},
	"AE": {"Dubai", "Asia"},
	"US": {"Ashburn", "North America"},
}

// emulatedRegion is one region the emulator serves, with the AWS region its buckets must be in.
type emulatedRegion struct {
	wire      wireRegion
	awsRegion string
	name      string
}

// buildRegions returns one ICA region per row of the provider's region table, in table order.
func buildRegions(ownerID, tenantID string) []emulatedRegion {
	rows := regions.All()
	out := make([]emulatedRegion, 0, len(rows))
	for _, row := range rows {
		code := strings.ToUpper(row.CountryCode)
		place, ok := regionPlaces[code]
		if !ok {
			place.city, place.continent = row.Name, "World"
		}
		out = append(out, emulatedRegion{
			name:      row.Name,
			awsRegion: row.AWSRegion,
			wire: wireRegion{
				ID:           RegionID(code),
				TimeCreated:  fixtureTime,
				TimeModified: fixtureTime,
				OwnerID:      ownerID,
				TenantID:     tenantID,
				Code:         strings.ToLower(code),
				CityName:     place.city,
				Country: wireCountry{
					ID:           stableID("ica-country:" + code),
					TimeCreated:  fixtureTime,
					TimeModified: fixtureTime,
					OwnerID:      ownerID,
					TenantID:     tenantID,
					Code:         code,
					Name:         row.Name,
					Region:       place.continent,
				},
			},
		})
	}
	return out
}

func (e *Emulator) listRegions(w http.ResponseWriter, _ *http.Request) {
	items := make([]wireRegion, len(e.regions))
	for i, r := range e.regions {
		items[i] = r.wire
	}
	writeJSON(w, http.StatusOK, wireList[wireRegion]{Items: items})
}

func (e *Emulator) getRegion(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	reg := e.findRegion(id)
	if reg == nil {
		writeProblem(w, r, http.StatusNotFound, "Region "+id+" was not found or is not available to you.", nil)
		return
	}
	writeJSON(w, http.StatusOK, reg.wire)
}
