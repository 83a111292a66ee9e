package notify

// Queued is a notice waiting in a watch's outbox, with the channels that acknowledged it.
// It leaves the outbox only when every target channel has acknowledged it (or was
// disabled for good), so a notice is never dropped and never sent twice to one channel.
type Queued struct {
	Notice   Notice   `json:"n"`
	Acked    []string `json:"acked,omitempty"`
	Attempts int      `json:"tries,omitempty"`
}

// Outbox is the delivery part of a watch's state. It travels inside the Watch document.
type Outbox struct {
	Queue []Queued `json:"queue,omitempty"`
	// Threads keeps per-channel thread handles (e.g. "slack": message ts).
	Threads map[string]string `json:"threads,omitempty"`
	// Disabled lists channels that failed permanently for this watch.
	Disabled []string `json:"disabled,omitempty"`
}

// Empty reports whether nothing waits for delivery.
func (o *Outbox) Empty() bool { return o == nil || len(o.Queue) == 0 }

// Add queues notices.
func (o *Outbox) Add(ns ...Notice) {
	for _, n := range ns {
		o.Queue = append(o.Queue, Queued{Notice: n})
	}
}
