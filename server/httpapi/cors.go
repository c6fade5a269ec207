package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/registrar-dcr/registrar/sdk"
)

// CORS on the registration endpoints (Fetch standard, "CORS protocol").
// Browser-based clients, such as MCP inspectors, register from a page of
// another origin. The handler allows the origins that some profile allows;
// the pipeline then refuses a request whose origin the caller's own
// profile does not allow. Credentials travel in the Authorization header,
// never in cookies, so Access-Control-Allow-Credentials is never sent.

const (
	corsAllowMethods  = "POST, GET, PUT, DELETE"
	corsAllowHeaders  = "Authorization, Content-Type"
	corsExposeHeaders = "WWW-Authenticate, Retry-After"
	corsMaxAge        = "600"
)

// cors adds the CORS response headers to a request from an allowed origin.
func (h *handler) cors(c *gin.Context) {
	if origin := c.GetHeader("Origin"); origin != "" && h.originAllowed(origin) {
		hd := c.Writer.Header()
		hd.Set("Access-Control-Allow-Origin", origin)
		hd.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		hd.Add("Vary", "Origin")
	}
	c.Next()
}

// preflight answers an OPTIONS request: 204 with the allowed methods and
// headers for an allowed origin, 403 otherwise.
func (h *handler) preflight(c *gin.Context) {
	origin := c.GetHeader("Origin")
	method := c.GetHeader("Access-Control-Request-Method")
	if origin == "" || !h.originAllowed(origin) || !slices.Contains(strings.Split(corsAllowMethods, ", "), method) {
		c.Header("Vary", "Origin")
		c.AbortWithStatusJSON(http.StatusForbidden, errorBody{Error: sdk.CodeAccessDenied,
			Description: "cross-origin request not allowed from this origin"})
		return
	}
	hd := c.Writer.Header()
	hd.Set("Access-Control-Allow-Methods", corsAllowMethods)
	hd.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	hd.Set("Access-Control-Max-Age", corsMaxAge)
	c.AbortWithStatus(http.StatusNoContent)
}

func (h *handler) originAllowed(origin string) bool {
	return slices.Contains(h.opts.CORSOrigins, strings.ToLower(origin))
}
