package http

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"verity/claims/fault"
)

// query reads a listing's query parameters, refusing ones the route does not know, so that a
// mistyped filter is an error instead of a silently unfiltered list.
type query struct {
	c      *gin.Context
	known  map[string]bool
	fields fault.Fields
}

func newQuery(c *gin.Context, known ...string) *query {
	q := &query{c: c, known: map[string]bool{}, fields: fault.Fields{}}
	for _, k := range known {
		q.known[k] = true
	}
	return q
}

func (q *query) str(name string) string {
	q.known[name] = true
	vals := q.c.Request.URL.Query()[name]
	if len(vals) > 1 {
		q.fields.Add(name, "must be given once")
	}
	if len(vals) == 0 {
		return ""
	}
	if !utf8.ValidString(vals[0]) {
		q.fields.Add(name, "must be valid UTF-8")
		return ""
	}
	return vals[0]
}

func (q *query) id(name string) int64 {
	raw := q.str(name)
	if raw == "" {
		return 0
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 {
		q.fields.Add(name, "is not a valid id")
	}
	return n
}

func (q *query) time(name string) time.Time {
	raw := q.str(name)
	if raw == "" {
		return time.Time{}
	}
	var t Time
	if err := t.UnmarshalJSON([]byte(strconv.Quote(raw))); err != nil {
		q.fields.Add(name, "must be an RFC 3339 time or a YYYY-MM-DD date")
	}
	return t.Time
}

// Listing limits.
const (
	defaultLimit = 50
	maxLimit     = 200
)

func (q *query) limit() int {
	raw := q.str("limit")
	if raw == "" {
		return defaultLimit
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxLimit {
		q.fields.Add("limit", fmt.Sprintf("must be an integer from 1 to %d", maxLimit))
		return defaultLimit
	}
	return n
}

func (q *query) cursor(key any) bool {
	raw := q.str("cursor")
	if raw == "" {
		return false
	}
	if err := decodeCursor(raw, key); err != nil {
		q.fields.Add("cursor", "is not a cursor this listing gave out")
		return false
	}
	return true
}

// err reports bad and unknown parameters; call it after reading every parameter.
func (q *query) err() error {
	for name := range q.c.Request.URL.Query() {
		if !q.known[name] {
			q.fields.Add(name, "is not a parameter of this listing")
		}
	}
	return q.fields.Err()
}
