package claims

import (
	"container/list"
	"sync"
)

// maxCachedBodies bounds, in bytes of text, the bodies a Store keeps decoded. Every claim
// created reads its article's current body to anchor the quote, and reading it meant a query
// and a zstd decompression each time; an editor claims several passages of one article in a
// row. 4 MiB holds the bodies of some 500 articles of the load corpus's 8 KiB, and keeps the
// server well inside its memory target.
const maxCachedBodies = 4 << 20

// revisionKey names one revision of one article.
type revisionKey struct {
	article  int64
	revision int
}

type cachedBody struct {
	key  revisionKey
	body string
}

// bodyCache keeps decoded revision bodies, the least recently used dropped first once they
// pass max bytes. A revision is never changed once committed, so a body kept under its key
// is right for as long as it is kept: nothing needs invalidating. Only bodies read or written
// outside a transaction are put in (see Store.keepBodies): one that a transaction wrote could
// still be rolled back, and its revision number written again with another body.
type bodyCache struct {
	mu    sync.Mutex
	max   int
	size  int
	order *list.List // of *cachedBody, the most recently used first
	items map[revisionKey]*list.Element
}

func newBodyCache(max int) *bodyCache {
	return &bodyCache{max: max, order: list.New(), items: map[revisionKey]*list.Element{}}
}

func (c *bodyCache) get(k revisionKey) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[k]
	if !ok {
		return "", false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cachedBody).body, true
}

// put keeps body under k. A body larger than a quarter of the bound is not kept, so that one
// long article cannot push out every other.
func (c *bodyCache) put(k revisionKey, body string) {
	if len(body) > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[k]; ok {
		return
	}
	c.items[k] = c.order.PushFront(&cachedBody{key: k, body: body})
	c.size += len(body)
	for c.size > c.max {
		last := c.order.Back()
		b := c.order.Remove(last).(*cachedBody)
		delete(c.items, b.key)
		c.size -= len(b.body)
	}
}
