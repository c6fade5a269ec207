package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/registrar-dcr/registrar/sdk"
)

// headers sets the headers every answer carries: no caching of client
// credentials (RFC 7591 §3.2.1, RFC 6749 §5.1) and no content sniffing.
func (h *handler) headers(c *gin.Context) {
	hd := c.Writer.Header()
	hd.Set("Cache-Control", "no-store")
	hd.Set("Pragma", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	c.Next()
}

// accessLog logs one line per request: method, route, status, duration.
// It never logs the query string or headers, where tokens may travel.
func (h *handler) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	if !h.log.IsDebug() {
		return
	}
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	h.log.Debug("request", "method", c.Request.Method, "route", route,
		"status", c.Writer.Status(), "duration", time.Since(start))
}

// recover turns a panic in a handler into a 500 server_error, logging the
// value but never sending it.
func (h *handler) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("panic while serving a request", "route", c.FullPath(), "panic", v)
			if !c.Writer.Written() {
				h.writeError(c, sdk.ErrServer())
			}
			c.Abort()
		}
	}()
	c.Next()
}

// writeError is the one error writer. An *sdk.Error is answered as it is;
// unavailability as 503 temporarily_unavailable; anything else as a 500
// server_error whose cause is logged and never sent.
func (h *handler) writeError(c *gin.Context, err error) {
	e, ok := sdk.AsError(err)
	switch {
	case ok:
		if e.Status >= 500 && errors.Unwrap(e) != nil {
			h.log.Error("request failed", "route", c.FullPath(), "error", errors.Unwrap(e))
		}
	case errors.Is(err, sdk.ErrUnavailable):
		h.log.Error("dependency unavailable", "route", c.FullPath(), "error", err)
		e = sdk.ErrTemporarilyUnavailable()
	default:
		h.log.Error("internal error", "route", c.FullPath(), "error", err)
		e = sdk.ErrServer()
	}
	status := e.Status
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	desc := descriptionSafe(e.Description)
	hd := c.Writer.Header()
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		hd.Set("WWW-Authenticate", challenge(c.Request, status, e.Code, desc))
	case http.StatusServiceUnavailable:
		hd.Set("Retry-After", "1")
	case http.StatusTooManyRequests:
		if hd.Get("Retry-After") == "" {
			hd.Set("Retry-After", "1")
		}
	case http.StatusMethodNotAllowed:
		hd.Set("Allow", allowed(c.Request.URL.Path))
	}
	c.AbortWithStatusJSON(status, errorBody{Error: e.Code, Description: desc})
}

// challenge is the WWW-Authenticate value of a 401 or 403 (RFC 6750 §3).
// A request that lacks any authentication information (no Authorization
// header, or a scheme other than Bearer) gets a bare challenge without an
// error code or description (RFC 6750 §3.1); any other gets the error
// code and description, which clients read before the body. The JSON body
// carries the error in every case.
func challenge(r *http.Request, status int, code, desc string) string {
	const bare = `Bearer realm="registrar"`
	if status == http.StatusUnauthorized && !bearerPresented(r) {
		return bare
	}
	return bare + `, error="` + code + `", error_description="` + desc + `"`
}

// bearerPresented reports whether r carries an Authorization header of the
// Bearer scheme (RFC 6750 §2.1; the scheme is case-insensitive, RFC 9110
// §11.1), whatever its token.
func bearerPresented(r *http.Request) bool {
	for _, v := range r.Header.Values("Authorization") {
		scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		if strings.EqualFold(scheme, "Bearer") {
			return true
		}
	}
	return false
}

type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// descriptionSafe keeps an error_description within the characters
// RFC 6749 §5.2 and RFC 6750 §3 allow (%x20-21 / %x23-5B / %x5D-7E), so
// it is valid both in the JSON body and in the WWW-Authenticate
// quoted-string: double quotes become single quotes, backslashes slashes,
// the section sign of an RFC citation "section ", anything else outside
// the set a question mark.
func descriptionSafe(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteByte('\'')
		case r == '\\':
			b.WriteByte('/')
		case r == '§':
			b.WriteString("section ")
		case r < 0x20 || r > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func allowed(path string) string {
	switch {
	case path == "/connect/dcr":
		return "POST, GET, PUT, DELETE, OPTIONS"
	case strings.HasPrefix(path, "/connect/dcr/"):
		return "GET, PUT, DELETE, OPTIONS"
	default:
		return "GET"
	}
}
