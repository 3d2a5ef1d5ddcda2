package http

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"verity/claims/fault"
	"verity/migrations"
)

// kindNotReady is a server that is up but cannot serve: its database does not answer, or
// its schema is not the one this build expects.
const kindNotReady fault.Kind = "not_ready"

// ready is GET /readyz, for a load balancer or an orchestrator deciding whether to send this
// server traffic: the database answers through the readers (never the writer, so that a
// long batch does not fail the probe) and every migration this build knows is applied.
// /healthz stays the liveness probe.
func (s *Server) ready(c *gin.Context) error {
	c.Header("Cache-Control", "no-store")
	pending, err := migrations.Pending(c.Request.Context(), s.db.Reader())
	if err != nil {
		return fault.Wrap(kindNotReady, err, "the database does not answer")
	}
	if len(pending) > 0 {
		return fault.New(kindNotReady, "the database schema is not current: %d migrations pending (%s); run verity migrate",
			len(pending), strings.Join(pending, ", "))
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
	return nil
}
