package cdnsim

import (
	"fmt"
	"math/rand"
	"time"
)

// Range is a closed range of durations; a value is drawn uniformly from it.
type Range struct{ Min, Max time.Duration }

func (r Range) draw(rnd *rand.Rand) time.Duration {
	if r.Max <= r.Min {
		return r.Min
	}
	return r.Min + time.Duration(rnd.Int63n(int64(r.Max-r.Min)+1))
}

// Population describes a batch of generated tasks. Zero fields take the defaults noted.
type Population struct {
	// Count is how many task ids to create.
	Count int
	// Seed seeds the generator; 0 means 1, so a population repeats.
	Seed int64
	// FailRate is the fraction of tasks that fail (one of their objects fails, with a
	// reason drawn from FailReasons).
	FailRate float64
	// MultiRate is the fraction of tasks with 2–5 objects under one id.
	MultiRate float64
	// PreloadRate is the fraction of prefetch tasks; the rest are refreshes.
	PreloadRate float64
	// DirectoryRate is the fraction of refreshes that are directory refreshes.
	DirectoryRate float64
	// Refresh and Preload are how long objects take once started.
	// Defaults 1–10 min and 5–30 min (the providers' documented typical times).
	Refresh, Preload Range
	// Pending is how long objects wait before starting. Default 0–30 s.
	Pending Range
	// ShortRate is the fraction of refreshes that are short (Short, default 5–120 s): a
	// few files on a warm CDN finish in seconds.
	ShortRate float64
	Short     Range
	// Shape is how the objects report progress ("" linear). ShapeMix gives each task one
	// of the others, drawn apart from everything else, so a mixed population has the same
	// tasks and times as a single-shape one of the same seed.
	Shape Shape
	// Domain names the objects. Default "static.example.com".
	Domain string
	// Spread, when set, spreads creation times uniformly over [now, now+Spread), at whole
	// seconds (Aliyun's resolution), for a day of traffic that a moving clock reveals
	// (listings leave out tasks created after the simulator's now). Ids still follow
	// creation order only within the call, so callers must not assume ids sort by time.
	Spread time.Duration
}

// Populate creates p.Count tasks created now and returns their ids in creation order.
func (s *Sim) Populate(provider string, p Population) []string {
	seed := p.Seed
	if seed == 0 {
		seed = 1
	}
	rnd := rand.New(rand.NewSource(seed))
	if p.Refresh == (Range{}) {
		p.Refresh = Range{time.Minute, 10 * time.Minute}
	}
	if p.Preload == (Range{}) {
		p.Preload = Range{5 * time.Minute, 30 * time.Minute}
	}
	if p.Pending == (Range{}) {
		p.Pending = Range{0, 30 * time.Second}
	}
	if p.Domain == "" {
		p.Domain = "static.example.com"
	}
	if p.Short == (Range{}) {
		p.Short = Range{5 * time.Second, 2 * time.Minute}
	}
	shapes := rand.New(rand.NewSource(seed ^ 0x5ba9e))
	now := s.Now()
	ids := make([]string, 0, p.Count)
	for i := 0; i < p.Count; i++ {
		n := 1
		if rnd.Float64() < p.MultiRate {
			n = 2 + rnd.Intn(4)
		}
		typ, dur := TypeFile, p.Refresh
		switch {
		case rnd.Float64() < p.PreloadRate:
			typ, dur = TypePreload, p.Preload
		case rnd.Float64() < p.DirectoryRate:
			typ = TypeDirectory
		}
		if typ != TypePreload && p.ShortRate > 0 && rnd.Float64() < p.ShortRate {
			dur = p.Short
		}
		shape := p.Shape
		if shape == ShapeMix {
			shape = Shapes[shapes.Intn(len(Shapes)-1)]
		}
		failing := -1
		if rnd.Float64() < p.FailRate {
			failing = rnd.Intn(n)
		}
		objs := make([]Object, n)
		for j := range objs {
			o := Object{
				Path:       objectPath(p.Domain, typ, i, j),
				Type:       typ,
				PendingFor: p.Pending.draw(rnd),
				Duration:   dur.draw(rnd),
				Shape:      shape,
			}
			if o.Duration <= 0 {
				o.Duration = time.Second
			}
			if j == failing {
				o.FailReason = FailReasons[rnd.Intn(len(FailReasons))]
			}
			objs[j] = o
		}
		created := now
		if p.Spread > 0 {
			created = now.Add(time.Duration(rnd.Int63n(int64(p.Spread))).Truncate(time.Second))
		}
		ids = append(ids, s.AddTask(provider, Task{Created: created, Objects: objs}))
	}
	return ids
}

func objectPath(domain, typ string, task, obj int) string {
	switch typ {
	case TypeDirectory:
		return fmt.Sprintf("https://%s/release-%d/part-%d/", domain, task, obj)
	case TypePreload:
		return fmt.Sprintf("https://%s/media/%d-%d.mp4", domain, task, obj)
	}
	return fmt.Sprintf("https://%s/assets/%d/app-%d.js", domain, task, obj)
}
