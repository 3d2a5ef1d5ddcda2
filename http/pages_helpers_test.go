package http_test

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// apiRoutes lists the routes of the JSON API and the probes, which the OpenAPI document and
// the API's role matrix cover; the reviewer pages have tests of their own.
func apiRoutes(e *env) gin.RoutesInfo {
	var out gin.RoutesInfo
	for _, rt := range e.srv.Routes() {
		if strings.HasPrefix(rt.Path, "/api/") || rt.Path == "/healthz" {
			out = append(out, rt)
		}
	}
	return out
}
