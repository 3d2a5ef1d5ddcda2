package http

import (
	"sort"
)

// Page is the body of every listing.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

func page[T any](data []T, more bool, next func() any) Page[T] {
	p := Page[T]{Data: data}
	if p.Data == nil {
		p.Data = []T{}
	}
	if more {
		cur := encodeCursor(next())
		p.NextCursor = &cur
	}
	return p
}

// pageOf pages a list the domain returns whole, in ascending id order: the lists bounded by
// one claim, article or user (evidence, citations, transitions, revisions, tokens). It reads
// limit and cursor like every listing and refuses unknown parameters.
func pageOf[T any](q *query, items []T, id func(T) int64) (Page[T], error) {
	limit := q.limit()
	var after struct {
		ID int64 `json:"i"`
	}
	q.cursor(&after)
	if err := q.err(); err != nil {
		return Page[T]{}, err
	}
	start := sort.Search(len(items), func(i int) bool { return id(items[i]) > after.ID })
	end := min(len(items), start+limit)
	rows := items[start:end]
	return page(rows, end < len(items), func() any { return map[string]int64{"i": id(rows[len(rows)-1])} }), nil
}
