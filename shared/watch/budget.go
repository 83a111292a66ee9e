package watch

import (
	"fmt"
)

// Size budgets of the hops a document travels (bytes).
const (
	BudgetMNS           = 64 * 1024  // Aliyun MNS message
	BudgetFCAsync       = 128 * 1024 // Aliyun FC async invoke
	BudgetStepFunctions = 256 * 1024 // Step Functions state
	BudgetSQS           = 256 * 1024 // SQS (1 MiB on new queues; 256 KiB is safe for older ones)
)

// BudgetError says a document cannot fit its hop even alone.
type BudgetError struct {
	Size, Budget int
	Why          string
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("watch document: %d bytes is over the %d-byte budget of this hop: %s", e.Size, e.Budget, e.Why)
}

// Split returns documents that each fit budget bytes when encoded. A document that fits
// comes back alone. A larger one is split by pending ids: the first part keeps the state
// (counts, failures, outbox); each other part is a watch of its own with an id derived from
// the parent's, so notices stay stable when the same split happens again. Never truncates.
func Split(d *Document, budget int) ([]*Document, error) {
	b, err := Encode(d)
	if err != nil {
		return nil, err
	}
	if len(b) <= budget {
		return []*Document{d}, nil
	}
	if d.State == nil {
		return nil, fmt.Errorf("split watch document: state missing (run Step first)")
	}
	// Overhead without ids: what every part costs at least.
	bare := cloneWithoutIDs(d)
	ob, err := Encode(bare)
	if err != nil {
		return nil, err
	}
	room := budget - len(ob) - 256 // headroom for part labels, ids, the MAC
	if room <= 0 {
		return nil, &BudgetError{Size: len(b), Budget: budget,
			Why: "the state alone (outbox and failures) does not fit"}
	}
	idBytes := len(b) - len(ob)
	parts := (idBytes + room - 1) / room
	for ; parts <= len(d.TaskIDs); parts++ {
		docs, err := splitInto(d, parts)
		if err != nil {
			return nil, err
		}
		if fits(docs, budget) {
			return docs, nil
		}
	}
	return nil, &BudgetError{Size: len(b), Budget: budget, Why: "cannot split below one id per part"}
}

func fits(docs []*Document, budget int) bool {
	for _, p := range docs {
		b, err := Encode(p)
		if err != nil || len(b) > budget {
			return false
		}
	}
	return true
}

func splitInto(d *Document, parts int) ([]*Document, error) {
	ids := d.TaskIDs
	per := (len(ids) + parts - 1) / parts
	var out []*Document
	parent := d.State
	for i := 0; i*per < len(ids); i++ {
		chunk := ids[i*per : min(len(ids), (i+1)*per)]
		p := cloneWithoutIDs(d) // each part copies its own ids only, not the whole list
		p.TaskIDs = append([]string(nil), chunk...)
		p.MAC = ""
		// The schedule's runs index the whole list; a part starts by looking at every id.
		p.State.Due = nil
		if i > 0 {
			p.State = &State{
				V: StateVersion, ID: fmt.Sprintf("%s.%d.%d", parent.ID, parent.Hops, i+1),
				Started: parent.Started, Hops: parent.Hops, Total: len(chunk), Wait: parent.Wait,
			}
		}
		out = append(out, p)
	}
	n := len(out)
	moved := 0
	for i, p := range out {
		p.State.Part = fmt.Sprintf("%d/%d", i+1, n)
		if i > 0 {
			moved += len(p.TaskIDs)
		}
	}
	out[0].State.Total = parent.Total - moved
	return out, nil
}

// cloneWithoutIDs deep-copies d except its task ids (nil in the copy).
func cloneWithoutIDs(d *Document) *Document {
	c := *d
	c.TaskIDs = nil
	return c.clone()
}
