package icaemulator

import (
	"maps"
	"net/http"
	"slices"
	"strings"
)

// methods are the handlers of one path by HTTP method.
type methods map[string]http.HandlerFunc

// handle registers "METHOD path" for each method, and path alone for the rest, which answers 405 with an
// Allow header as problem+json (ServeMux's own 405 is plain text). wrap, when set, wraps every handler.
func handle(mux *http.ServeMux, path string, m methods, wrap func(http.HandlerFunc) http.HandlerFunc) {
	if wrap == nil {
		wrap = func(h http.HandlerFunc) http.HandlerFunc { return h }
	}
	for method, h := range m {
		mux.HandleFunc(method+" "+path, wrap(h))
	}
	mux.HandleFunc(path, wrap(m.notAllowed))
}

func (m methods) notAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", strings.Join(slices.Sorted(maps.Keys(m)), ", "))
	writeProblem(w, r, http.StatusMethodNotAllowed, "Method "+r.Method+" is not supported on "+r.URL.Path+".", nil)
}

// verbs are the operations on one item of a collection: "" for the item itself, else the custom method
// after the colon ("ID:share"). ServeMux wildcards match whole segments only, so the item's segment is
// one wildcard and the verb is split here; the handlers find the id in r.PathValue("id").
type verbs map[string]methods

func (v verbs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, verb, ok := splitVerb(r.PathValue("item"))
	m, known := v[verb]
	if !ok || !known {
		writeNotFoundRoute(w, r)
		return
	}
	h, allowed := m[r.Method]
	if !allowed {
		m.notAllowed(w, r)
		return
	}
	r.SetPathValue("id", id)
	h(w, r)
}

// apiRoutes is the API's routing table. Authentication comes before routing, as at ICA's gateway, except
// for the token operations.
func (e *Emulator) apiRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	handle(mux, "/api/tokens", methods{http.MethodPost: e.createToken}, nil)
	handle(mux, "/api/tokens:refresh", methods{http.MethodPost: e.refreshToken}, nil)

	authed := e.authenticated
	handle(mux, "/api/regions", methods{http.MethodGet: e.listRegions}, authed)
	handle(mux, "/api/regions/{id}", methods{http.MethodGet: e.getRegion}, authed)
	handle(mux, "/api/storageCredentials", methods{http.MethodGet: e.listCredentials, http.MethodPost: e.createCredential}, authed)
	mux.HandleFunc("/api/storageCredentials/{item}", authed(verbs{
		"":              {http.MethodGet: e.getCredential},
		"updateSecrets": {http.MethodPost: e.updateCredentialSecrets},
		"share":         {http.MethodPost: e.share(e.credentialKind())},
	}.ServeHTTP))
	handle(mux, "/api/storageConfigurations", methods{http.MethodGet: e.listConfigs, http.MethodPost: e.createConfig}, authed)
	handle(mux, "/api/storageConfigurations/{id}/details", methods{http.MethodGet: e.getConfigDetails}, authed)
	mux.HandleFunc("/api/storageConfigurations/{item}", authed(verbs{
		"":         {http.MethodGet: e.getConfig},
		"validate": {http.MethodPost: e.validateConfig},
		"share":    {http.MethodPost: e.share(e.configKind())},
	}.ServeHTTP))
	handle(mux, "/api/storageBundles", methods{http.MethodGet: e.listBundles}, authed)
	handle(mux, "/api/projects", methods{http.MethodGet: e.listProjects, http.MethodPost: e.createProject}, authed)
	handle(mux, "/api/projects/{id}/selfManagedStorageConfiguration", methods{http.MethodGet: e.projectStorage}, authed)
	mux.HandleFunc("/api/projects/{item}", authed(verbs{
		"":     {http.MethodGet: e.getProject, http.MethodPut: e.updateProject},
		"hide": {http.MethodPost: e.hideProject},
	}.ServeHTTP))
	mux.HandleFunc("/", authed(writeNotFoundRoute))
	return mux
}

// authenticated answers 401 itself unless the request carries valid credentials.
func (e *Emulator) authenticated(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if e.authenticate(w, r) {
			h(w, r)
		}
	}
}

// splitVerb splits "ID" or "ID:verb" (one path segment); ok is false for anything else.
func splitVerb(seg string) (id, verb string, ok bool) {
	id, verb, hasVerb := strings.Cut(seg, ":")
	if id == "" || (hasVerb && (verb == "" || strings.Contains(verb, ":"))) {
		return "", "", false
	}
	return id, verb, true
}

func writeNotFoundRoute(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, http.StatusNotFound, "No API operation exists at "+r.Method+" "+r.URL.Path+".", nil)
}
