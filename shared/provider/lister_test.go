package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pagedDriver lists rows in pages of 2 and counts calls; rows may straddle the range.
type pagedDriver struct {
	rows  []Object
	calls int
	stuck bool // answer the same cursor for ever
}

func (d *pagedDriver) Name() string   { return "paged" }
func (d *pagedDriver) Limits() Limits { return Limits{IDsPerCall: 1, QPS: 1} }
func (d *pagedDriver) Describe(context.Context, []string) ([]Object, error) {
	return nil, errors.New("not used")
}
func (d *pagedDriver) ListLimits() ListLimits { return ListLimits{QPS: 1000, PageSize: 2} }
func (d *pagedDriver) ListPage(_ context.Context, _ ListQuery, cursor string) ([]Object, string, error) {
	d.calls++
	if d.stuck {
		return nil, "same", nil
	}
	i, _ := strconv.Atoi(cursor)
	end := min(i+2, len(d.rows))
	next := ""
	if end < len(d.rows) {
		next = strconv.Itoa(end)
	}
	return d.rows[i:end], next, nil
}

func TestClientListPagesFiltersAndGroups(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	row := func(id, path string, created time.Time, st Status) Object {
		return Object{TaskID: id, Path: path, Created: created, Status: st}
	}
	d := &pagedDriver{rows: []Object{
		row("1", "a", t0.Add(-time.Second), Complete), // before From: dropped
		row("2", "a", t0, Complete),
		row("3", "a", t0.Add(time.Minute), Failed),
		row("3", "b", t0.Add(time.Minute), Complete),
		row("3", "b", t0.Add(time.Minute), Complete),    // repeated across pages: dropped
		row("4", "a", t0.Add(10*time.Minute), Complete), // == To (inclusive end upstream): dropped
	}}
	c := NewClient(d, 0)
	tasks, err := c.ListTasks(context.Background(), ListQuery{From: t0, To: t0.Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(tasks[0].ID, tasks[0].Status, " ", tasks[1].ID, tasks[1].Status, len(tasks[1].Objects))
	if len(tasks) != 2 || got != "2complete 3failed2" {
		t.Errorf("tasks %v", got)
	}
	if d.calls != 3 || c.ListCalls() != 3 || c.Calls() != 0 {
		t.Errorf("%d driver calls, %d counted listing, %d by id; want 3, 3, 0", d.calls, c.ListCalls(), c.Calls())
	}
	if lim, ok := c.ListLimits(); !ok || lim.QPS != 1000 {
		t.Errorf("ListLimits %+v %v", lim, ok)
	}
	c.SetListQPS(7)
	if lim, _ := c.ListLimits(); lim.QPS != 7 {
		t.Errorf("override: %+v", lim)
	}
}

func TestClientListErrors(t *testing.T) {
	t0 := time.Now()
	q := ListQuery{From: t0, To: t0.Add(time.Minute)}
	if _, err := NewClient(noListDriver{}, 0).ListTasks(context.Background(), q); !errors.Is(err, ErrNoListing) {
		t.Errorf("driver without listing: %v", err)
	}
	if _, err := NewClient(&pagedDriver{stuck: true}, 0).ListTasks(context.Background(), q); err == nil ||
		!strings.Contains(err.Error(), "same cursor") {
		t.Errorf("stuck cursor: %v", err)
	}
	if _, err := NewClient(&pagedDriver{}, 0).ListTasks(context.Background(), ListQuery{From: t0, To: t0}); err == nil {
		t.Error("empty range accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewClient(&pagedDriver{}, 0).ListTasks(ctx, q); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

type noListDriver struct{}

func (noListDriver) Name() string                                         { return "nolist" }
func (noListDriver) Limits() Limits                                       { return Limits{IDsPerCall: 1, QPS: 1} }
func (noListDriver) Describe(context.Context, []string) ([]Object, error) { return nil, nil }

func TestListQPSFromEnv(t *testing.T) {
	env := map[string]string{"CDNWATCH_ALIYUN_CDN_LIST_QPS": "2.5"}
	cfg, err := ConfigFromEnv("aliyun-cdn", func(k string) string { return env[k] })
	if err != nil || cfg.ListQPS != 2.5 {
		t.Errorf("%v %+v", err, cfg)
	}
	env["CDNWATCH_ALIYUN_CDN_LIST_QPS"] = "-1"
	if _, err := ConfigFromEnv("aliyun-cdn", func(k string) string { return env[k] }); err == nil ||
		!strings.Contains(err.Error(), "CDNWATCH_ALIYUN_CDN_LIST_QPS") {
		t.Errorf("bad value: %v", err)
	}
}
