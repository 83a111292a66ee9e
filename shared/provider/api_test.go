package provider

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// twoCallDriver makes, per id and per listed page, one call of its main API and one of a
// further API with a limit of its own (the shape of volc-mcdn's results call), over the
// HTTP client Open gives it.
type twoCallDriver struct {
	hc  *http.Client
	url string
}

const secondAPI = "Second"

func (d *twoCallDriver) Name() string           { return "two-call" }
func (d *twoCallDriver) Limits() Limits         { return Limits{IDsPerCall: 1, QPS: 100} }
func (d *twoCallDriver) ListLimits() ListLimits { return ListLimits{QPS: 100, PageSize: 10} }

func (d *twoCallDriver) get(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url+path, nil)
	if err != nil {
		return err
	}
	resp, err := d.hc.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func (d *twoCallDriver) second(ctx context.Context, id string) error {
	return d.get(WithAPI(ctx, API{Name: secondAPI, QPS: 10}), "/second/"+id)
}

func (d *twoCallDriver) Describe(ctx context.Context, ids []string) ([]Object, error) {
	if err := d.get(ctx, "/query/"+ids[0]); err != nil {
		return nil, err
	}
	if err := d.second(ctx, ids[0]); err != nil {
		return nil, err
	}
	return []Object{{TaskID: ids[0], Status: Complete}}, nil
}

func (d *twoCallDriver) ListPage(ctx context.Context, q ListQuery, cursor string) ([]Object, string, error) {
	if err := d.get(ctx, "/list"); err != nil {
		return nil, "", err
	}
	var rows []Object
	for i := range 3 {
		id := fmt.Sprintf("l%d", i)
		if err := d.second(ctx, id); err != nil {
			return nil, "", err
		}
		rows = append(rows, Object{TaskID: id, Status: Complete, Created: q.From})
	}
	return rows, "", nil
}

// A driver's further API is paced on its own pacer at the instance's share of its
// documented rate, counted under its own name, and never counted as a listing call,
// even when made inside a listing.
func TestFurtherAPIPacedAndCountedApart(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	var seconds []time.Time // arrivals of the further API's calls
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, "/query/"):
			hits[APIQuery]++
		case strings.HasPrefix(p, "/second/"):
			hits[secondAPI]++
			seconds = append(seconds, time.Now())
		default:
			hits[APIList]++
		}
	}))
	defer srv.Close()
	c, err := OpenWith(context.Background(), Config{Endpoint: srv.URL, Instances: 2, Instance: t.Name(),
		Logger: slog.New(slog.DiscardHandler)},
		func(_ context.Context, cfg Config) (Driver, error) {
			return &twoCallDriver{hc: cfg.HTTPClient, url: srv.URL}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids := []string{"a", "b", "c", "d", "e", "f"}
	if _, err := c.Query(ctx, ids); err != nil {
		t.Fatal(err)
	}
	if n, w := c.Pacer(secondAPI).Window(); n != 5 || w != time.Second+WindowGuard {
		t.Errorf("%s pacer: %d calls per %v, want 5 (half of 10/s) per %v", secondAPI, n, w, time.Second+WindowGuard)
	}
	if n, _ := c.Pacer(APIQuery).Window(); n != 50 {
		t.Errorf("query pacer: %d calls per window, want 50 (half of 100/s)", n)
	}
	from := time.Now().Add(-time.Hour)
	if _, err := c.ListTasks(ctx, ListQuery{From: from, To: from.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if c.CallsOf(APIQuery) != 6 || c.CallsOf(secondAPI) != 9 || c.CallsOf(APIList) != 1 || c.ListCalls() != 1 ||
		c.Calls() != 16 {
		t.Errorf("counted query %d, %s %d, list %d (ListCalls %d), all %d; want 6, 9, 1 (1), 16",
			c.CallsOf(APIQuery), secondAPI, c.CallsOf(secondAPI), c.CallsOf(APIList), c.ListCalls(), c.Calls())
	}
	if hits[APIQuery] != 6 || hits[secondAPI] != 9 || hits[APIList] != 1 {
		t.Errorf("server saw %v", hits)
	}
	// 9 calls at this instance's 5 per second: never 6 within one second at the server.
	for i := 5; i < len(seconds); i++ {
		if d := seconds[i].Sub(seconds[i-5]); d < time.Second {
			t.Errorf("%s calls %d and %d arrived %v apart: 6 calls in one second, over the share of 5", secondAPI, i-5, i, d)
		}
	}
}
