package orm

import (
	"context"
	"fmt"
)

// Page is one page of results from Paginate.
type Page[T any] struct {
	// Items are the rows on this page.
	Items []T `json:"items"`
	// Page is the page number, from 1.
	Page int `json:"page"`
	// PerPage is the page size.
	PerPage int `json:"per_page"`
	// Total is the number of matching rows on all pages.
	Total int64 `json:"total"`
	// TotalPages is the number of pages (0 when there are no rows).
	TotalPages int `json:"total_pages"`
}

// HasNext reports whether a page follows this one.
func (p Page[T]) HasNext() bool { return p.Page < p.TotalPages }

// HasPrev reports whether a page precedes this one.
func (p Page[T]) HasPrev() bool { return p.Page > 1 }

// MaxPerPage is the largest page size Paginate serves; larger requests are
// clamped to it.
const MaxPerPage = 500

// Paginate returns page number page (from 1) of perPage rows, with the
// total count, for numbered pages. Values from a request are safe to pass:
// a page below 1 is page 1, and perPage is clamped to 1..MaxPerPage. Order
// the query (OrderBy) for stable pages. For deep or fast-changing lists,
// keyset pagination (After) is cheaper.
func (q *Q[T]) Paginate(ctx context.Context, page, perPage int) (Page[T], error) {
	if page < 1 {
		page = 1
	}
	perPage = min(max(perPage, 1), MaxPerPage)
	total, err := q.Count(ctx)
	if err != nil {
		return Page[T]{}, err
	}
	p := Page[T]{Page: page, PerPage: perPage, Total: total, TotalPages: int((total + int64(perPage) - 1) / int64(perPage))}
	if int64(page-1)*int64(perPage) >= total {
		p.Items = []T{}
		return p, nil
	}
	p.Items, err = q.Limit(perPage).Offset((page - 1) * perPage).All(ctx)
	return p, err
}

// After is keyset pagination: it continues a list ordered by column after
// the row whose column value was after (ascending order, or descending with
// a "-" prefix), so each page costs an index seek rather than skipping
// rows:
//
//	next, err := orm.Query[Post](db).After("-id", lastID).Limit(20).All(ctx)
//
// Pass the last row's value from the previous page. The column must be
// unique (such as the primary key) and is checked against the model like
// OrderBy's. After replaces any ordering set before it.
func (q *Q[T]) After(column string, after any) *Q[T] {
	desc := len(column) > 0 && column[0] == '-'
	name := column
	if desc {
		name = column[1:]
	}
	f := q.m.fieldByColumnOrName(name)
	if f == nil {
		c := q.clone()
		if c.err == nil {
			c.err = &UnknownColumnError{Model: q.m.Name, Column: name, Columns: q.m.Columns()}
		}
		return c
	}
	op := ">"
	if desc {
		op = "<"
	}
	c := q.Where(fmt.Sprintf("%s %s ?", q.col(f), op), after)
	c.order = nil
	return c.OrderBy(column)
}
