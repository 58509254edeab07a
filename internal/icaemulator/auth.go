package icaemulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// jwtClaims are the claims of the emulator's tokens. iat and exp are whole seconds, as most JWT readers
// expect; expMs carries the exact expiry so that sub-second TokenTTLs in tests expire on time (exp,
// rounded down, never claims a longer life than the emulator grants).
type jwtClaims struct {
	Issuer       string `json:"iss"`
	Subject      string `json:"sub"`
	TenantID     string `json:"tid"`
	Tenant       string `json:"tenant,omitempty"`
	IssuedAt     int64  `json:"iat"`
	Expiry       int64  `json:"exp"`
	ExpiryMillis int64  `json:"expMs"`
	ID           string `json:"jti"`
	// Origin records how the token was minted; ICA refuses to refresh tokens minted from an API key.
	Origin string `json:"origin"`
}

const jwtIssuer = "ica-emulator"

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// mintToken returns a signed HS256 JWT for the emulator's user.
func (e *Emulator) mintToken(tenant string) string {
	now := time.Now()
	expiry := now.Add(e.opts.TokenTTL)
	claims, _ := json.Marshal(jwtClaims{ // plain strings and integers: cannot fail
		Issuer:       jwtIssuer,
		Subject:      e.ownerID,
		TenantID:     e.tenantID,
		Tenant:       tenant,
		IssuedAt:     now.Unix(),
		Expiry:       expiry.Unix(),
		ExpiryMillis: expiry.UnixMilli(),
		ID:           uuid.NewString(),
		Origin:       "apiKey",
	})
	unsigned := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(claims)
	return unsigned + "." + e.sign(unsigned)
}

func (e *Emulator) sign(unsigned string) string {
	mac := hmac.New(sha256.New, e.jwtSecret)
	mac.Write([]byte(unsigned))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

var (
	errTokenMalformed = errors.New("the bearer token is not a JWT issued by this service")
	errTokenExpired   = errors.New("the bearer token has expired; request a new one with POST /api/tokens")
)

// verifyToken checks a JWT's signature and expiry.
func (e *Emulator) verifyToken(token string) (*jwtClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != jwtHeader {
		return nil, errTokenMalformed
	}
	if !hmac.Equal([]byte(e.sign(parts[0]+"."+parts[1])), []byte(parts[2])) {
		return nil, errTokenMalformed
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errTokenMalformed
	}
	var c jwtClaims
	if err := json.Unmarshal(raw, &c); err != nil || c.Issuer != jwtIssuer {
		return nil, errTokenMalformed
	}
	if time.Now().UnixMilli() >= c.ExpiryMillis {
		return nil, errTokenExpired
	}
	return &c, nil
}

func (e *Emulator) apiKeyValid(key string) bool {
	return e.opts.APIKey != "" && subtle.ConstantTimeCompare([]byte(key), []byte(e.opts.APIKey)) == 1
}

// authenticate accepts "Authorization: Bearer <JWT>" or "X-API-Key: <key>". A bearer token, when sent,
// must be valid even if an API key is sent too. It answers 401 itself and returns false on failure.
func (e *Emulator) authenticate(w http.ResponseWriter, r *http.Request) bool {
	if authz := r.Header.Get("Authorization"); authz != "" {
		scheme, token, _ := strings.Cut(authz, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			writeUnauthorized(w, r, "Authorization scheme "+scheme+" is not accepted here; send a Bearer JWT or an X-API-Key header.")
			return false
		}
		if _, err := e.verifyToken(strings.TrimSpace(token)); err != nil {
			writeUnauthorized(w, r, err.Error()+".")
			return false
		}
		return true
	}
	if key := r.Header.Get("X-API-Key"); key != "" {
		if !e.apiKeyValid(key) {
			writeUnauthorized(w, r, "The API key is not valid.")
			return false
		}
		return true
	}
	writeUnauthorized(w, r, "No credentials: send an X-API-Key header or an Authorization: Bearer JWT.")
	return false
}

func writeUnauthorized(w http.ResponseWriter, r *http.Request, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="ica"`)
	writeProblem(w, r, http.StatusUnauthorized, detail, nil)
}

// createToken is POST /api/tokens: only the API key may mint a token (the emulator has no users with
// passwords, so Basic authentication is refused).
func (e *Emulator) createToken(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("X-API-Key")
	if key == "" {
		writeUnauthorized(w, r, "POST /api/tokens needs an X-API-Key header (the emulator does not support Basic authentication).")
		return
	}
	if !e.apiKeyValid(key) {
		writeUnauthorized(w, r, "The API key is not valid.")
		return
	}
	tenant := r.URL.Query().Get("tenant")
	if tenant != "" && tenant != TenantName {
		writeUnauthorized(w, r, "The API key's user is not a member of tenant "+tenant+"; its tenant is "+TenantName+".")
		return
	}
	writeJSON(w, http.StatusOK, wireToken{Token: e.mintToken(tenant)})
}

// refreshToken is POST /api/tokens:refresh. Every emulator token is minted from an API key, and ICA does
// not refresh those, so a valid token gets the same refusal ICA documents.
func (e *Emulator) refreshToken(w http.ResponseWriter, r *http.Request) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		writeUnauthorized(w, r, "POST /api/tokens:refresh needs an Authorization: Bearer JWT.")
		return
	}
	if _, err := e.verifyToken(strings.TrimSpace(token)); err != nil {
		writeUnauthorized(w, r, err.Error()+".")
		return
	}
	writeProblem(w, r, http.StatusBadRequest, "A JWT created with an API key cannot be refreshed; request a new one with POST /api/tokens.", nil)
}
