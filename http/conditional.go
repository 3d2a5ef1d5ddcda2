package http

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"verity/claims/fault"
)

// ifMatch reads the version an If-Match header names. required makes a missing header an
// error (428). If-Match compares strongly (RFC 9110), so a weak ETag, "*", a list of several
// ETags or anything that is not an ETag of ours is PreconditionFailed.
func ifMatch(c *gin.Context, required bool) (*int64, error) {
	raw := strings.TrimSpace(c.GetHeader("If-Match"))
	if raw == "" {
		if required {
			return nil, fault.New(kindPreconditionRequired, "send If-Match with the ETag from a GET of this resource")
		}
		return nil, nil
	}
	if strings.HasPrefix(raw, "W/") {
		return nil, fault.New(fault.PreconditionFailed, "If-Match compares strongly: send the ETag without W/")
	}
	if !strings.HasPrefix(raw, `"`) || !strings.HasSuffix(raw, `"`) || len(raw) < 3 || strings.Contains(raw[1:len(raw)-1], `"`) {
		return nil, fault.New(fault.PreconditionFailed, "If-Match %q is not one ETag of this resource: send the ETag from a GET", raw)
	}
	digits := raw[1 : len(raw)-1]
	v, err := strconv.ParseInt(digits, 10, 64)
	// Strong comparison is byte for byte: "003" and "+3" are not the ETag "3".
	if err != nil || v < 1 || strconv.FormatInt(v, 10) != digits {
		return nil, fault.New(fault.PreconditionFailed, "If-Match %q is not an ETag of this resource", raw)
	}
	return &v, nil
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }
