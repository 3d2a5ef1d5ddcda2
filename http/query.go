package http

import (
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"verity/claims/fault"
)

// query reads a listing's query parameters, refusing ones the route does not know, so that a
// mistyped filter is an error instead of a silently unfiltered list.
type query struct {
	c *gin.Context
	// params is the request's query, parsed once: URL.Query parses it anew at each call,
	// and a listing reads a dozen parameters.
	params url.Values
	known  map[string]bool
	fields fault.Fields
}

func newQuery(c *gin.Context, known ...string) *query {
	q := &query{c: c, params: c.Request.URL.Query(), known: map[string]bool{}, fields: fault.Fields{}}
	for _, k := range known {
		q.known[k] = true
	}
	return q
}

func (q *query) str(name string) string {
	q.known[name] = true
	vals := q.params[name]
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

// id reads an id filter, spelled as ids are everywhere (see canonicalID).
func (q *query) id(name string) int64 {
	raw := q.str(name)
	if raw == "" {
		return 0
	}
	n, ok := canonicalID(raw)
	if !ok {
		q.fields.Add(name, "must be an id: "+idRule)
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

// flag reads a yes-or-no parameter: 1 or true, 0 or false; absent is no.
func (q *query) flag(name string) bool {
	switch raw := q.str(name); raw {
	case "", "0", "false":
		return false
	case "1", "true":
		return true
	}
	q.fields.Add(name, "must be 1 or 0 (true or false)")
	return false
}

// err reports bad and unknown parameters; call it after reading every parameter.
func (q *query) err() error {
	for name := range q.params {
		if !q.known[name] {
			q.fields.Add(name, "is not a parameter of this listing")
		}
	}
	return q.fields.Err()
}
