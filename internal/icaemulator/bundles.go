package icaemulator

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// storageBundle is a storage bundle: which storage entitlement a project in a region uses. ICA gives a
// tenant the bundles of its subscription; the emulator starts with one per region (StorageBundleID) and
// test controls add more.
type storageBundle struct {
	id, name, entitlement string
	region                *emulatedRegion
	created               string
}

// StorageBundleID is the id of the emulator's default storage bundle in the region of an ISO country code.
func StorageBundleID(countryCode string) string {
	return stableID("ica-storage-bundle:" + strings.ToUpper(countryCode))
}

// DefaultBundleName is the bundle name of every region's default storage bundle.
const DefaultBundleName = "Standard"

func defaultBundles(regions []emulatedRegion) []*storageBundle {
	out := make([]*storageBundle, 0, len(regions))
	for i := range regions {
		r := &regions[i]
		code := r.wire.Country.Code
		out = append(out, &storageBundle{
			id: StorageBundleID(code), name: DefaultBundleName, entitlement: "ICA Enterprise " + r.name,
			region: r, created: fixtureTime,
		})
	}
	return out
}

func (e *Emulator) bundleWire(b *storageBundle) wireStorageBundle {
	tenant := TenantName
	return wireStorageBundle{
		ID:              b.id,
		TimeCreated:     b.created,
		TimeModified:    b.created,
		OwnerID:         e.ownerID,
		TenantID:        e.tenantID,
		TenantName:      &tenant,
		BundleName:      b.name,
		EntitlementName: b.entitlement,
		Region:          b.region.wire,
	}
}

// findBundle returns the bundle with that id; callers hold e.mu.
func (e *Emulator) findBundle(id string) *storageBundle {
	for _, b := range e.bundles {
		if b.id == id {
			return b
		}
	}
	return nil
}

// listBundles is GET /api/storageBundles, which takes no parameters.
func (e *Emulator) listBundles(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	items := make([]wireStorageBundle, 0, len(e.bundles))
	for _, b := range e.bundles {
		items = append(items, e.bundleWire(b))
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, wireList[wireStorageBundle]{Items: items})
}

// ControlStorageBundle is the body of POST /_emulator/storageBundles: one more bundle in a region, for
// tests of a region with several.
type ControlStorageBundle struct {
	ID              string `json:"id,omitempty"`
	RegionID        string `json:"regionId"`
	BundleName      string `json:"bundleName"`
	EntitlementName string `json:"entitlementName"`
}

func (e *Emulator) addBundle(w http.ResponseWriter, r *http.Request) {
	var in ControlStorageBundle
	if !decodeControl(w, r, &in) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	region := e.findRegion(in.RegionID)
	if region == nil || in.BundleName == "" || in.EntitlementName == "" {
		writeProblem(w, r, http.StatusBadRequest, "A storage bundle needs an existing regionId, a bundleName and an entitlementName.", nil)
		return
	}
	in.ID = uuid.NewString()
	e.bundles = append(e.bundles, &storageBundle{id: in.ID, name: in.BundleName, entitlement: in.EntitlementName,
		region: region, created: timestamp(time.Now())})
	writeControlJSON(w, http.StatusCreated, in)
}
