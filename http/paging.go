package http

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// Every listing pages the same way: limit says how many items a page holds, and cursor,
// the next_cursor of the page before, where the page starts. The domain reads each page in
// SQL after the key of the last item already listed, and this file alone says how that key
// travels.

// Listing limits.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// Page is the body of every listing.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// cursorVersion is the layout of the cursors this server gives out; a cursor of another
// layout is refused rather than misread.
const cursorVersion = 1

// cursor is a position in one list: the key of the last item listed, bound to the list it
// came from (its path and its filters). A client sees it as base64url of its JSON, and
// sends it back unopened.
type cursor struct {
	Version int    `json:"v"`
	List    string `json:"l"`
	// Filters is a digest of the list's filters, empty when there are none.
	Filters string  `json:"f,omitempty"`
	Key     []int64 `json:"k"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c) // strings and numbers always encode
	return base64.RawURLEncoding.EncodeToString(b)
}

var errNotACursor = fmt.Errorf("is not a cursor this server gave out")

// decodeCursor reads a cursor that encodeCursor made. It must re-encode to exactly raw: so
// every position has one spelling, and nothing that merely decodes ("{}", "null", reordered
// or repeated keys, padding) passes for a cursor.
func decodeCursor(raw string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.Strict().DecodeString(raw)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || encodeCursor(c) != raw {
		return cursor{}, errNotACursor
	}
	if c.Version != cursorVersion {
		return cursor{}, fmt.Errorf("comes from another version of Verity: start this list again from its first page")
	}
	return c, nil
}

// position is where a request reads a listing: which list, how many items, and after which
// key (nil on the first page).
type position struct {
	list    string
	filters string
	limit   int
	after   []int64
	// next announces the next page's cursor beside the body, as a Link header.
	next func(cursor string)
}

// page reads limit and cursor. A cursor must be one this same list gave out, with the same
// filters, and hold a key of keyLen numbers; anything else is refused on the cursor field.
// Call it with the list's other parameters, before q.err.
func (q *query) page(keyLen int) position {
	p := position{list: listOf(q.c.Request.URL.Path), filters: filtersOf(q.params), limit: q.limit(), next: nextLink(q.c)}
	raw := q.str("cursor")
	if raw == "" {
		if _, given := q.params["cursor"]; given {
			q.fields.Add("cursor", "is empty: leave it out to read the first page")
		}
		return p
	}
	c, err := decodeCursor(raw)
	switch {
	case err != nil:
		q.fields.Add("cursor", err.Error())
	case c.List != p.list:
		q.fields.Add("cursor", fmt.Sprintf("is a cursor of %s, not of %s: start this list from its first page", c.List, p.list))
	case c.Filters != p.filters:
		q.fields.Add("cursor", "was given out for other filters: send it with the filters of the first page, or start again without it")
	case !validKey(c.Key, keyLen):
		q.fields.Add("cursor", errNotACursor.Error())
	default:
		p.after = c.Key
	}
	return p
}

// limit reads how many items a page holds: canonical digits from 1 to maxLimit.
func (q *query) limit() int {
	raw := q.str("limit")
	if raw == "" {
		return defaultLimit
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxLimit || strconv.Itoa(n) != raw {
		q.fields.Add("limit", fmt.Sprintf("must be an integer from 1 to %d, in digits without sign or leading zeros", maxLimit))
		return defaultLimit
	}
	return n
}

func validKey(key []int64, n int) bool {
	if len(key) != n {
		return false
	}
	for _, k := range key {
		if k < 0 {
			return false
		}
	}
	return true
}

// listOf names the list a path reads, without the API's prefix: /claims, /articles/1/claims.
// Paths with ids are canonical by the time a handler runs (parseID refuses other spellings).
func listOf(path string) string {
	if rest, ok := strings.CutPrefix(path, "/api/v1"); ok && rest != "" {
		return rest
	}
	return path
}

// filtersOf digests a listing's filters: every parameter but limit and cursor, in a fixed
// order. The digest keeps cursors short however long a search is.
func filtersOf(params url.Values) string {
	filters := url.Values{}
	for name, vals := range params {
		if name != "limit" && name != "cursor" {
			filters[name] = vals
		}
	}
	if len(filters) == 0 {
		return ""
	}
	sum := sha256.Sum256([]byte(filters.Encode())) // Encode sorts by name
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

// afterID is the id of the last item listed, for lists in id order; 0 on the first page.
func (p position) afterID() int64 {
	if p.after == nil {
		return 0
	}
	return p.after[0]
}

// newPage makes the page of items; when more follow, its cursor holds the key of the last.
func newPage[T any](p position, items []T, more bool, key func(T) []int64) Page[T] {
	out := Page[T]{Data: items}
	if out.Data == nil {
		out.Data = []T{}
	}
	if more && len(items) > 0 {
		cur := encodeCursor(cursor{Version: cursorVersion, List: p.list, Filters: p.filters, Key: key(items[len(items)-1])})
		out.NextCursor = &cur
		if p.next != nil {
			p.next(cur)
		}
	}
	return out
}

// nextLink sets the Link header of a page with more after it (RFC 8288): the same request
// with the next cursor, as a reference relative to this one, so that clients that follow
// links page without reading the body.
func nextLink(c *gin.Context) func(string) {
	return func(cursor string) {
		params := c.Request.URL.Query()
		params.Set("cursor", cursor)
		next := url.URL{Path: c.Request.URL.Path, RawQuery: params.Encode()}
		c.Header("Link", "<"+next.String()+`>; rel="next"`)
	}
}

// byID is the key of lists in id order.
func byID(id int64) []int64 { return []int64{id} }
