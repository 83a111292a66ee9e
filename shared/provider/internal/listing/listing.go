// Package listing holds what the providers' Lister implementations share: the cursor of
// a listing that walks several page sequences, and the retention backstop for APIs that
// silently clip an old window instead of refusing it.
package listing

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"cdnwatch/shared/provider"
)

// Cursor names one page of one of several page sequences (one per domain, task type or
// API): "<sequence>/<page>", pages 1-based. The zero Cursor is the first page of the
// first sequence, which provider.Lister spells "".
type Cursor struct{ Seq, Page int }

// Parse reads a cursor of a listing with seqs sequences; "" is the first page.
func Parse(c string, seqs int) (Cursor, error) {
	if c == "" {
		return Cursor{0, 1}, nil
	}
	a, b, ok := strings.Cut(c, "/")
	seq, err1 := strconv.Atoi(a)
	page, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || seq < 0 || seq >= seqs || page < 1 {
		return Cursor{}, fmt.Errorf("malformed list cursor %q", c)
	}
	return Cursor{seq, page}, nil
}

// Next is the cursor after c: the next page of the same sequence when more is left,
// else the first page of the next sequence, else "" (the listing is over).
func (c Cursor) Next(more bool, seqs int) string {
	switch {
	case more:
		return fmt.Sprintf("%d/%d", c.Seq, c.Page+1)
	case c.Seq+1 < seqs:
		return fmt.Sprintf("%d/1", c.Seq+1)
	}
	return ""
}

// More reports whether a sequence paged by number has pages after page: the page came
// back full and the total says more rows exist. Both conditions, so that a total that
// moves while we page, or a server that serves smaller pages than asked, cannot make us
// loop or skip. size is the page size the server says it used (0: the one asked for).
func More(page, rows, size, asked int, total int64) bool {
	if size <= 0 {
		size = asked
	}
	return rows >= size && int64(page)*int64(size) < total
}

// CheckRetention refuses a window that starts before now-retention, for APIs that answer
// such a window with what they still keep instead of an error: a sweep must never report
// a window as complete when part of it is gone. retention 0 means none documented.
func CheckRetention(name string, q provider.ListQuery, now time.Time, retention time.Duration) error {
	if retention <= 0 {
		return nil
	}
	if oldest := now.Add(-retention); q.From.Before(oldest) {
		return &provider.Error{Provider: name, Kind: provider.KindBadRequest, Code: "WindowPastRetention",
			Message: fmt.Sprintf("the window starts at %s, but the listing API keeps tasks for %v only (since %s)",
				q.From.UTC().Format(time.RFC3339), retention, oldest.UTC().Format(time.RFC3339))}
	}
	return nil
}

// Domains are the sequences' domains: the query's, or one "" meaning every domain.
func Domains(q provider.ListQuery) []string {
	if len(q.Domains) == 0 {
		return []string{""}
	}
	return q.Domains
}
