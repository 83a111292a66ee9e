package cli

import (
	"context"
	"errors"
	"sync"
	"time"

	"cdnwatch/shared/engine"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/watch"
)

// providerTrouble is what a hop says about a provider that keeps failing: the last error,
// since when, and over how many polls. The engine's Hop does not carry it yet (the
// engine is gaining Hop.ProviderErr and Hop.FailingSince); until then the command shows
// the failures Run returns (display.providerFailing), and this reports nothing.
func providerTrouble(engine.Hop) (err error, since time.Time, polls int) {
	return nil, time.Time{}, 0
}

// observingOpener wraps open so that every answer of the provider is also shown to see,
// task by task: the display keeps each pending task's last known progress from it, so the
// overall figure covers all tasks, not only those polled in the last hop. The wrapped
// client keeps the original's limits (QPS after overrides), and is made once per client,
// so its token bucket lives as long as the original's would.
func observingOpener(open engine.Opener, see func(map[string]provider.Task)) engine.Opener {
	var mu sync.Mutex
	wrapped := map[*provider.Client]*provider.Client{}
	return func(ctx context.Context, doc *watch.Document) (*provider.Client, error) {
		c, err := open(ctx, doc)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		if w, ok := wrapped[c]; ok {
			return w, nil
		}
		w := provider.NewClient(&observingDriver{Driver: c.Driver(), see: see}, c.Limits().QPS)
		wrapped[c] = w
		return w, nil
	}
}

// observingDriver forwards every call, and the optional interfaces the client and the
// engine look for, to the provider's driver.
type observingDriver struct {
	provider.Driver
	see func(map[string]provider.Task)
}

func (d *observingDriver) Describe(ctx context.Context, ids []string) ([]provider.Object, error) {
	objs, err := d.Driver.Describe(ctx, ids)
	if err == nil && d.see != nil {
		rows := map[string][]provider.Object{}
		for _, o := range objs {
			rows[o.TaskID] = append(rows[o.TaskID], o)
		}
		tasks := make(map[string]provider.Task, len(rows))
		for id, r := range rows {
			tasks[id] = provider.Aggregate(id, r)
		}
		d.see(tasks)
	}
	return objs, err
}

func (d *observingDriver) CheckID(id string) error {
	if c, ok := d.Driver.(provider.IDChecker); ok {
		return c.CheckID(id)
	}
	return nil
}

func (d *observingDriver) NoFailedState() bool {
	if n, ok := d.Driver.(engine.NoFailedStater); ok {
		return n.NoFailedState()
	}
	return false
}

func providerError(err error) *provider.Error {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}
